import Foundation

/// The seed of a randomized test: `ROOTSYNC_SEED` (decimal or 0x-hex) when set, else the test's
/// own default. Failures print the seed, so `ROOTSYNC_SEED=… swift test --filter …` replays them.
public enum TestSeed {
    public static func value(default fallback: UInt64) -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["ROOTSYNC_SEED"]?.trimmingCharacters(in: .whitespaces),
              !text.isEmpty else { return fallback }
        if text.lowercased().hasPrefix("0x"), let v = UInt64(text.dropFirst(2), radix: 16) { return v }
        return UInt64(text) ?? fallback
    }
}
