#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A node's directory on a small filesystem of its own (tmpfs with a size limit, mounted by the
/// harness; it must run as root) that the harness fills up and frees again. Every mount is
/// recorded so an interrupted run can take it down.
final class DiskFull {
    static let mounted = Mounts()

    /// The mounts this process made, for the interrupt handler.
    final class Mounts: @unchecked Sendable {
        private let lock = NSLock()
        private var points: [String] = []
        func add(_ p: String) { lock.withLock { points.append(p) } }
        func remove(_ p: String) { lock.withLock { points.removeAll { $0 == p } } }
        /// Lazily unmounts everything still mounted (safe from a signal-handling queue).
        func unmountAll() { for p in lock.withLock({ points }) { _ = umount2(p, Int32(MNT_DETACH)) } }
    }

    let directory: String
    private var filler: String { (directory as NSString).appendingPathComponent("filler") }

    /// Moves `directory`'s files onto a new tmpfs of `megabytes` mounted in its place.
    init(directory: String, megabytes: Int) throws {
        self.directory = directory
        let aside = directory + ".before-mount"
        let fm = FileManager.default
        try fm.moveItem(atPath: directory, toPath: aside)
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: false)
        guard mount("tmpfs", directory, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0 else {
            let why = String(cString: strerror(errno))
            try? fm.removeItem(atPath: directory)
            try fm.moveItem(atPath: aside, toPath: directory)
            throw ChaosError("cannot mount a \(megabytes) MB tmpfs on \(directory): \(why) (the disk-full fault needs root)")
        }
        Self.mounted.add(directory)
        for name in try fm.contentsOfDirectory(atPath: aside) {
            try fm.copyItem(atPath: (aside as NSString).appendingPathComponent(name), toPath: (directory as NSString).appendingPathComponent(name))
        }
        try fm.removeItem(atPath: aside)
    }

    /// Takes every free byte (a file of the free space, then what is left in small pieces).
    func fill() throws {
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ChaosError("cannot create \(filler): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = statvfs()
        guard statvfs(directory, &st) == 0 else { throw ChaosError("statvfs \(directory) failed") }
        let free = Int(st.f_bavail) * Int(st.f_frsize)
        _ = posix_fallocate(fd, 0, off_t(free))
        // Whatever is left (metadata rounding): pages of 4 KiB, then single bytes, until ENOSPC.
        var offset = lseek(fd, 0, SEEK_END)
        for size in [4096, 1] {
            let bytes = [UInt8](repeating: 0x55, count: size)
            while bytes.withUnsafeBytes({ pwrite(fd, $0.baseAddress, size, offset) }) == size { offset += off_t(size) }
        }
    }

    /// Frees the space again.
    func free() { unlink(filler) }

    /// Copies the files off the tmpfs, unmounts it and puts them back in place (kept runs keep them).
    func dismount() {
        let fm = FileManager.default
        let aside = directory + ".after-mount"
        free()
        try? fm.createDirectory(atPath: aside, withIntermediateDirectories: true)
        for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
            try? fm.copyItem(atPath: (directory as NSString).appendingPathComponent(name), toPath: (aside as NSString).appendingPathComponent(name))
        }
        if umount2(directory, 0) != 0 { _ = umount2(directory, Int32(MNT_DETACH)) }
        Self.mounted.remove(directory)
        try? fm.removeItem(atPath: directory)
        try? fm.moveItem(atPath: aside, toPath: directory)
    }
}
