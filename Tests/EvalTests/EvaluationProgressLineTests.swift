// The evaluation's progress line: counts, the rate of computed items and the time left.

@testable import Eval
import Testing

@Suite struct EvaluationProgressLineTests {
    @Test func rateAndETACountOnlyComputedItems() {
        let progress = EvaluationProgress(phase: .responses, done: 120, total: 500, cached: 20)
        // 100 computed in 32 s: 3.125/s; 380 left: 121.6 s.
        #expect(progress.line(elapsed: 32) == "responses 120/500 (20 cached), 3.1/s, ETA 2m02s")
        #expect(EvaluationProgress(phase: .judging, done: 3, total: 3, cached: 0).line(elapsed: 2) == "judging 3/3 (0 cached), 1.5/s")
        // Nothing computed yet (only cache hits): no rate, no guess.
        #expect(EvaluationProgress(phase: .responses, done: 40, total: 500, cached: 40).line(elapsed: 1) == "responses 40/500 (40 cached)")
        #expect(EvaluationProgress.duration(59.2) == "1m00s" && EvaluationProgress.duration(7) == "7s" && EvaluationProgress.duration(3725) == "1h02m")
    }

    @Test func theClockStartsAtEachPhasesFirstReport() {
        let clock = EvaluationPhaseClock()
        #expect(clock.elapsed(.responses) == 0)
        #expect(clock.elapsed(.responses) >= 0)
        #expect(clock.elapsed(.judging) == 0)
    }
}
