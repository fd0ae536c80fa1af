// Throughput of the generator and the verifiers, for the benchmark script.

/// Measured speed of quadruple generation and constraint verification.
public struct SyntheticThroughput: Sendable, Hashable, Codable {
    public var quadruples: Int
    /// Instructions generated (x1 and x2 of each quadruple).
    public var instructions: Int
    public var generationSeconds: Double
    public var quadruplesPerSecond: Double
    public var instructionsPerSecond: Double
    /// Single constraint checks run (every constraint of x1 and x2 against y1 and y2).
    public var verifications: Int
    public var verificationSeconds: Double
    public var verificationsPerSecond: Double
    /// Checks that passed (every x1 check on y1 and x2 check on y2 passes by construction).
    public var verificationsPassed: Int
}

extension SyntheticTrace {
    /// Generates `quadruples` training quadruples with `config` (its sizes are ignored), then
    /// re-verifies every constraint of x1 and x2 against y1 and y2, timing both phases.
    public static func measureThroughput(_ config: SyntheticTraceConfig, quadruples: Int) throws(SyntheticTraceError) -> SyntheticThroughput {
        try config.validate()
        let counts = countPlan(config, .train, total: quadruples,
                               weights: TraceCountDistribution.trainingShape(maximum: config.maxConstraints))
        let builder = InstructionBuilder(config: config)
        let clock = ContinuousClock()
        var made: [IOPOQuadruple] = []
        made.reserveCapacity(quadruples)
        let generationStart = clock.now
        for index in 0..<quadruples {
            for attempt in 0..<maximumAttempts {
                if let q = try makeQuadruple(builder, index: index, count: counts[index], attempt: attempt) {
                    made.append(q)
                    break
                }
            }
        }
        let generation = clock.now - generationStart

        var checks = 0
        var passed = 0
        let verificationStart = clock.now
        for q in made {
            for response in [q.y1, q.y2] {
                let analysis = ResponseAnalysis(response)
                for spec in q.x1.specs + q.x2.specs {
                    checks += 1
                    if spec.verify(analysis) { passed += 1 }
                }
            }
        }
        let verification = clock.now - verificationStart

        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        let g = max(seconds(generation), 1e-9), v = max(seconds(verification), 1e-9)
        return SyntheticThroughput(
            quadruples: made.count, instructions: 2 * made.count,
            generationSeconds: g, quadruplesPerSecond: Double(made.count) / g, instructionsPerSecond: Double(2 * made.count) / g,
            verifications: checks, verificationSeconds: v, verificationsPerSecond: Double(checks) / v,
            verificationsPassed: passed)
    }
}
