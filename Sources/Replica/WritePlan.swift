import Catalogue
import Causality

/// What writing a new record of one resource needs to know, worked out once per catalogue: the
/// interned ids of its groups, where each group's fields sit among the table's columns, and
/// which columns must be filled for the row to exist. The create path (`createLocal`) then
/// writes a record from typed positions, with no dictionary lookup per field.
struct WritePlan {
    struct Group {
        let group: FieldGroup
        /// `_rs_name` row of the group's name.
        let nameID: Int64
        /// Column positions of the group's fields, in the group's field order.
        let columns: [Int]
    }

    let resource: Resource
    /// `_rs_name` row of the existence group.
    let existenceID: Int64
    let groups: [Group]
    /// Position of the key column.
    let keyColumn: Int
    /// Columns that must hold a value for the record to get a row (the key aside).
    let requiredColumns: [Int]

    init(_ r: Resource, nameID: (String) throws -> Int64) throws {
        resource = r
        existenceID = try nameID(GroupVersion.existence)
        groups = try r.groups.map { g in
            Group(group: g, nameID: try nameID(g.name), columns: g.fields.map { r.position(of: $0) ?? -1 })
        }
        keyColumn = r.position(of: r.key) ?? -1
        requiredColumns = r.fields.indices.filter { r.fields[$0].required && r.fields[$0].name != r.key }
    }
}
