/// Columns and keys that rootsync itself adds to files it writes (export's conflict mark, the
/// reject file's reason): import skips them, so such files can be imported again as they are.
public enum ImportReserved {
    public static let reasonColumn = "错误原因"
    public static let conflictColumn = "冲突"
    public static let reasonKey = "_error"
    public static let conflictKey = "_conflict"
    public static let columns: Set<String> = [reasonColumn, conflictColumn, reasonKey, conflictKey]
}
