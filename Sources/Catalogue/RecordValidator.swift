import JSON
import Standards

/// Validates records against the catalogue and the national standards before anything is written.
/// Returns every problem, each naming its field, so a clerk can fix a row in one pass.
public struct RecordValidator: Sendable {
    public let catalogue: Catalogue
    public let divisions: DivisionTable
    /// Fixed "today" for tests; nil means the current date in China.
    public var today: CalendarDate?
    /// Division codes already checked (the table never changes under a validator).
    let divisionMemo = DivisionCheckMemo()

    public init(catalogue: Catalogue, divisions: DivisionTable, today: CalendarDate? = nil) {
        self.catalogue = catalogue
        self.divisions = divisions
        self.today = today
    }

    /// Normalizes the fields given in `patch` (dates to YYYYMMDD, code names to codes, 15-digit IDs
    /// to 18, trimmed text, "" to null) and checks each. Unknown fields are errors.
    public func normalize(_ resource: Resource, patch: JSONObject, allowDisabledCodes: Bool = false) -> (values: [String: JSONValue], issues: [ValidationIssue]) {
        var values: [String: JSONValue] = [:]
        values.reserveCapacity(patch.count)
        var issues: [ValidationIssue] = []
        for (name, raw) in patch {
            guard let item = resource.field(name) else {
                issues.append(issue(name, "record.unknown_field", "\(resource.label)没有字段“\(name)”",
                                    "\(resource.name) has no field '\(name)'"))
                continue
            }
            let (value, problems) = normalize(item, raw, in: resource, allowDisabledCodes: allowDisabledCodes)
            issues += problems
            if problems.isEmpty { values[name] = value }
        }
        return (values, issues)
    }

    /// Disabled codes among `values` that are not simply kept from `existing`: a clerk may save a
    /// record again unchanged, but may not newly enter a code the catalogue has disabled.
    public func disabledCodeIssues(_ resource: Resource, values: [String: JSONValue], existing: [String: JSONValue]) -> [ValidationIssue] {
        // Most catalogues disable no code at all: then there is nothing to look up per value.
        if catalogue.disabledCodes.isEmpty { return [] }
        var issues: [ValidationIssue] = []
        for (name, value) in values {
            guard let item = resource.field(name), let setID = item.codeSet, let code = value.stringValue ?? (value.int64Value.map { String($0) }),
                  catalogue.isDisabled(code: code, in: setID), existing[name] != value else { continue }
            let codeName = catalogue.codeSet(setID)?.name(forCode: code) ?? code
            issues.append(issue(item.name, "record.code_disabled", "“\(item.label)”的代码 \(code)（\(codeName)）已停用，不能再填写",
                                "\(item.name): code \(code) (\(codeName)) of code set \(setID) is disabled and cannot be used in new data"))
        }
        return issues.sorted { $0.field < $1.field }
    }

    /// Checks a complete record (after merging a patch with what was stored): required fields
    /// and rules across fields.
    public func checkComplete(_ resource: Resource, record: [String: JSONValue]) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for item in resource.fields where item.required && (record[item.name] ?? .null) == .null {
            issues.append(issue(item.name, "record.required", "必须填写“\(item.label)”", "\(item.name) (\(item.label)) is required"))
        }
        for rule in resource.rules {
            switch rule {
            case .idAgrees(let idField, let sexField, let birthField):
                guard let id = record[idField]?.stringValue else { continue }
                let parsed = CitizenID.check(id, field: idField, divisions: divisions, today: today)
                guard parsed.isValid else { continue }
                if let sexField, let sex = record[sexField]?.stringValue, let idSex = parsed.sex,
                   sex != idSex, sex == "1" || sex == "2" {
                    issues.append(issue(sexField, "record.id_sex",
                        "性别与身份证号码不符：号码表明为\(idSex == "1" ? "男" : "女")性",
                        "sex does not agree with the ID number, which says \(idSex == "1" ? "male" : "female")"))
                }
                if let birthField, let birth = record[birthField]?.stringValue, let idBirth = parsed.birthDate,
                   birth != String(decoding: idBirth.utf8.filter { $0 != UInt8(ascii: "-") }, as: UTF8.self) {
                    issues.append(issue(birthField, "record.id_birth_date",
                        "出生日期与身份证号码不符：号码表明为 \(idBirth)",
                        "birth date does not agree with the ID number, which says \(idBirth)"))
                }
            }
        }
        return issues
    }

    /// Normalizes one field value. New writes may not use disabled codes (`allowDisabledCodes`
    /// false); versions received from other nodes may, since they were written before the code
    /// was disabled. Given the resource, a 无条件共享 resource's scope may be the city itself.
    public func normalize(_ item: DataItem, _ raw: JSONValue, in resource: Resource? = nil,
                          allowDisabledCodes: Bool = true) -> (JSONValue, [ValidationIssue]) {
        if item.kind == .tags { return normalizeTags(item, raw) }
        var text: String
        switch raw {
        case .null: return (.null, [])
        case .string(let s): text = s.trimmingSpace()
        case .number(let n): text = n
        case .bool(let b) where item.format.type == .logical: text = b ? "1" : "0"
        default:
            return (.null, [issue(item.name, "record.type", "“\(item.label)”应为文字，实为\(raw.typeName)",
                                  "\(item.name) must be text, found \(raw.typeName)")])
        }
        if text.isEmpty { return (.null, []) }
        if let issue = controlCharacterIssue(item, text) { return (.null, [issue]) }
        // Real-world spellings (full-width digits, 2000/1/1, 2000年1月1日) become canonical
        // here, in the one place every path (CLI, CSV, xlsx, form, direct writes) goes through.
        text = RealWorldInput.canonical(text, item)
        // A text item (ID number, code, phone) never holds scientific notation unless Excel made it.
        if item.sqlType == "TEXT", ExcelNumberCheck.isScientific(text) { return (.null, [ExcelNumberCheck.issue(item, text)]) }
        text = item.format.normalize(text)
        var issues: [ValidationIssue] = []
        switch item.check {
        case .citizenID?:
            let r = CitizenID.check(text, field: item.name, divisions: divisions, today: today)
            issues += r.issues
            if let n = r.normalized, r.isValid { text = n }
        case .uscc?:
            let r = CreditCode.check(text, field: item.name, divisions: divisions)
            issues += r.issues
            if let n = r.normalized, r.isValid { text = n }
        case .division?:
            let cityWide = resource.map { $0.share == .unconditional && $0.scope == item.name } ?? false
            issues += divisionMemo.issues("\(cityWide ? 1 : 0)\u{0}\(item.name)\u{0}\(item.label)\u{0}\(text)") {
                let r = DivisionCode.check(text, field: item.name, table: divisions)
                var found = r.issues
                if r.isValid, let level = r.level, level == .province || (level == .city && !cityWide) {
                    found.append(issue(item.name, "record.scope_level", "“\(item.label)”应为区县、街道或社区代码",
                                       "\(item.name) must be a district, street or community code"))
                }
                return found
            }
        case .phone?:
            // ASCII only: every allowed character is one byte, so bytes decide as characters would.
            let allowed = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: " ") }
            let digits = text.utf8.lazy.filter { $0 >= 0x30 && $0 <= 0x39 }.count
            if !allowed || digits < 7 || digits > 15 {
                issues.append(issue(item.name, "record.phone", "电话号码格式不正确：\(text)",
                                    "not a phone number: \(text)"))
            }
        case nil: break
        }
        if let setID = item.codeSet, let set = catalogue.codeSet(setID), !set.contains(code: text) {
            if let code = set.code(forLabel: text) {
                text = code
            } else {
                issues += set.check(text, field: item.name)
            }
        }
        if !allowDisabledCodes, let setID = item.codeSet, catalogue.isDisabled(code: text, in: setID) {
            let name = catalogue.codeSet(setID)?.name(forCode: text) ?? text
            issues.append(issue(item.name, "record.code_disabled", "“\(item.label)”的代码 \(text)（\(name)）已停用，不能再填写",
                                "\(item.name): code \(text) (\(name)) of code set \(setID) is disabled and cannot be used in new data"))
        }
        if issues.isEmpty { issues += item.format.check(normalized: text, field: item.name) }
        if !issues.isEmpty { return (.null, issues) }
        switch item.sqlType {
        case "INTEGER", "NUMERIC", "REAL":
            if item.format.type == .logical { return (.number(text == "1" || text == "true" || text == "是" ? "1" : "0"), []) }
            return (.number(Self.canonicalNumber(text)), [])
        default:
            return (.string(text), [])
        }
    }

    /// Control characters (C0, DEL, C1) never belong in a record: a NUL truncates the value in C
    /// programs that read the file, and the others are invisible in every form and export.
    /// Free text (an address typed over two lines in Excel, a remark) may hold line breaks and
    /// tabs; codes, numbers and dates have formats that refuse them anyway.
    func controlCharacterIssue(_ item: DataItem, _ text: String) -> ValidationIssue? {
        let multiLine = [.string, .memo, .general].contains(item.format.type)
        guard let c = text.unicodeScalars.first(where: { c in
            (c.value < 0x20 || (0x7F...0x9F).contains(c.value)) && !(multiLine && (c == "\n" || c == "\r" || c == "\t"))
        }) else { return nil }
        let hex = String(c.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return issue(item.name, "record.control_character", "“\(item.label)”含有控制字符 \(code)", "\(item.name) contains the control character \(code)")
    }

    /// Removes a leading plus and redundant zeros so "007" and "7" are the same stored value.
    static func canonicalNumber(_ text: String) -> String {
        var s = text
        var sign = ""
        if s.hasPrefix("+") { s.removeFirst() } else if s.hasPrefix("-") { s.removeFirst(); sign = "-" }
        var parts = s.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        while parts[0].count > 1 && parts[0].hasPrefix("0") { parts[0].removeFirst() }
        if parts.count == 2 {
            while parts[1].hasSuffix("0") { parts[1].removeLast() }
            if parts[1].isEmpty { parts.removeLast() }
        }
        let body = parts.joined(separator: ".")
        return body == "0" ? "0" : sign + body
    }

    /// Tag values: an array of short strings, or one string separated by ; ， 、 or commas.
    func normalizeTags(_ item: DataItem, _ raw: JSONValue) -> (JSONValue, [ValidationIssue]) {
        var tags: [String]
        switch raw {
        case .null: return (.array([]), [])
        case .array(let a):
            guard a.allSatisfy({ $0.stringValue != nil }) else {
                return (.null, [issue(item.name, "record.type", "标签必须是文字", "tags must be strings")])
            }
            tags = a.compactMap(\.stringValue)
        case .string(let s):
            tags = s.split(whereSeparator: { ";；,，、|".contains($0) }).map(String.init)
        default:
            return (.null, [issue(item.name, "record.type", "标签应为文字列表", "tags must be a list of strings")])
        }
        tags = tags.map { $0.trimmingSpace() }.filter { !$0.isEmpty }
        if let issue = tags.lazy.compactMap({ self.controlCharacterIssue(item, $0) }).first { return (.null, [issue]) }
        var issues: [ValidationIssue] = []
        for t in tags { issues += item.format.check(t, field: item.name) }
        let distinct = Array(Set(tags)).sorted()
        return issues.isEmpty ? (.array(distinct.map { .string($0) }), []) : (.null, issues)
    }

    func issue(_ field: String, _ rule: String, _ zh: String, _ en: String) -> ValidationIssue {
        ValidationIssue(field: field, rule: rule, messageZh: zh, messageEn: en)
    }
}
