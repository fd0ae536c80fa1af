// The kernel families a DYNAMIC_ARCH OpenBLAS can be pinned to with OPENBLAS_CORETYPE: the names
// of `corename[]` in OpenBLAS's driver/others/dynamic.c (x86_64) and dynamic_arm64.c (ARM64).
// A library build includes a subset; pinning one it lacks is refused by `BLASPinning`, which
// checks the family OpenBLAS reports after the re-execution.

/// An OpenBLAS kernel family, written as OpenBLAS writes it (`Haswell`, `SkylakeX`).
public enum BLASKernelFamily: String, Sendable, CaseIterable {
    // x86_64, oldest first.
    case katmai = "Katmai", coppermine = "Coppermine", northwood = "Northwood", prescott = "Prescott"
    case banias = "Banias", atom = "Atom", core2 = "Core2", penryn = "Penryn", dunnington = "Dunnington"
    case nehalem = "Nehalem", athlon = "Athlon", opteron = "Opteron", opteronSSE3 = "Opteron_SSE3"
    case barcelona = "Barcelona", nano = "Nano", sandybridge = "Sandybridge", bobcat = "Bobcat"
    case bulldozer = "Bulldozer", piledriver = "Piledriver", haswell = "Haswell", steamroller = "Steamroller"
    case excavator = "Excavator", zen = "Zen", skylakeX = "SkylakeX", cooperlake = "Cooperlake"
    case sapphireRapids = "SapphireRapids"
    // ARM64.
    case armv8 = "armv8", cortexA53 = "cortexa53", cortexA55 = "cortexa55", cortexA57 = "cortexa57"
    case cortexA72 = "cortexa72", cortexA73 = "cortexa73", neoverseN1 = "neoversen1", neoverseV1 = "neoversev1"
    case neoverseN2 = "neoversen2", thunderX = "thunderx", thunderX2T99 = "thunderx2t99", tsv110 = "tsv110"
    case falkor = "falkor", eMAG8180 = "emag8180", a64fx = "a64fx", armv8SVE = "armv8sve"

    /// The family named `name`, ignoring case, as OpenBLAS matches OPENBLAS_CORETYPE.
    public init?(name: String) {
        guard let family = BLASKernelFamily.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = family
    }
}
