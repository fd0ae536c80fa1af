import Foundation

/// Decimal formatting that rounds the way a reader expects: half away from zero on the decimal
/// value. Binary doubles make `2.175` slightly less than 2.175, so plain `%.2f` prints `2.17`
/// where the paper (computing 8.7 / 4 by hand) prints 2.18; snapping to 1e-9 first removes that
/// representation error without touching real differences.
public enum FixedPoint {
    public static func format(_ value: Double, decimals: Int, signed: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let scale = pow(10.0, Double(decimals))
        let snapped = (value * scale * 1e6).rounded() / 1e6
        var rounded = snapped.rounded(.toNearestOrAwayFromZero) / scale
        if rounded == 0 { rounded = 0 } // no "-0.0"
        let text = String(format: "%.\(decimals)f", rounded)
        return signed && rounded >= 0 ? "+" + text : text
    }
}
