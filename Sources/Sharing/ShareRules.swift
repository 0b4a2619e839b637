import Catalogue
import Foundation
import Standards

/// The sharing rules (聚通用 rules art. 23, 一数一源), pure: who decides a request, what a new
/// request gets, which node is authoritative for a disputed field group. Every node applies the
/// same rules to the same events, so a parent can check what a child claims.
public enum ShareRules {
    /// The working days a provider has to answer a request.
    public static let answerRequestDays = 5
    /// The working days a consumer has to raise a quality check, unless the node says otherwise.
    public static let defaultDisputeWindowDays = 2
    /// The working days the authoritative level has to answer a quality check.
    public static let answerDisputeDays = 3

    /// What a new request gets.
    public enum Outcome: Equatable, Sendable {
        /// 无条件共享 without control parameters: granted at once.
        case grantedAtOnce
        /// 有条件共享, or 无条件共享 whose catalogue entry states a 共享条件 (its interface needs
        /// control parameters): waits for the provider's data administrator.
        case awaitsDecision
    }

    /// The outcome for a resource, or the refusal of a 不予共享 one.
    public static func outcome(for r: Resource) throws -> Outcome {
        switch r.share {
        case .none:
            throw ShareError.forbidden("resource", "\(r.label)（\(r.name)）为不予共享资源，不能申请",
                                       "\(r.name) is 不予共享 (not shared): it cannot be requested")
        case .conditional:
            return .awaitsDecision
        case .unconditional:
            let condition = r.meta.shareCondition?.trimmingCharacters(in: .whitespaces) ?? ""
            return condition.isEmpty ? .grantedAtOnce : .awaitsDecision
        }
    }

    /// The node whose data administrator decides requests for `resource` made at `author`: the
    /// provider's division (its 统一社会信用代码, positions 3–8) when that is the requesting node or
    /// one above it; the city when the provider sits above the city (a province's department).
    /// A provider below or beside the requesting node cannot be reached from it: refused.
    public static func decider(for r: Resource, requestedAt author: String) throws -> String {
        let code = Array(r.meta.providerCode)
        let city = DivisionCode.prefecture(of: author)
        guard code.count == 18 else { return city }
        let division = String(code[2..<8])
        guard division.allSatisfy({ $0.isASCII && $0.isNumber }), let level = DivisionCode.level(ofShape: division) else { return city }
        if level == .province { return city.hasPrefix(DivisionCode.subtreePrefix(division)) ? city : try beside(r, division, author) }
        if author.hasPrefix(DivisionCode.subtreePrefix(division)) { return division }
        return try beside(r, division, author)
    }

    private static func beside(_ r: Resource, _ division: String, _ author: String) throws -> String {
        throw ShareError.forbidden("resource", "\(r.name) 的提供方在 \(division)，不在本节点 \(author) 之上，不能从本节点申请；请在 \(division) 或其上级节点申请",
                                   "the provider of \(r.name) sits at \(division), which is not at or above this node (\(author)); request it at \(division) or a node above it")
    }

    /// Checks a new request made at `node` against the catalogue in force and returns it complete
    /// (items in catalogue order, duplicates removed, the share type and outcome filled in).
    public static func check(resource r: Resource, items: [String], jurisdiction: String, purpose: SharePurpose,
                             until: CalendarDate, consumer: String, at node: String, today: CalendarDate) throws -> ShareRequest {
        let outcome = try outcome(for: r)
        guard !items.isEmpty else { throw ShareError.invalid("items", "必须列出申请的数据项（--items a,b,c）", "name the data items requested (--items a,b,c)") }
        guard items.count <= ShareRequest.maxItems else {
            throw ShareError.invalid("items", "一次最多申请 \(ShareRequest.maxItems) 个数据项", "at most \(ShareRequest.maxItems) items per request")
        }
        var wanted = Set<String>()
        for name in items {
            guard r.field(name) != nil else {
                throw ShareError.invalid("items", "\(r.name) 没有数据项 \(name)（可选：\(r.fields.map(\.name).joined(separator: ","))）",
                                         "\(r.name) has no data item \(name) (items: \(r.fields.map(\.name).joined(separator: ",")))")
            }
            wanted.insert(name)
        }
        guard DivisionCode.level(ofShape: jurisdiction) != nil, jurisdiction.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ShareError.invalid("jurisdiction", "辖区 \(jurisdiction) 不是区划代码", "jurisdiction \(jurisdiction) is not a division code")
        }
        guard jurisdiction.hasPrefix(DivisionCode.subtreePrefix(node)) else {
            throw ShareError.invalid("jurisdiction", "辖区 \(jurisdiction) 不在本节点 \(node) 的辖区内（只能申请本节点及其下级的数据）",
                                     "jurisdiction \(jurisdiction) is not at or below this node (\(node))")
        }
        guard until >= today else {
            throw ShareError.invalid("until", "截止日期 \(until.iso) 早于今天 \(today.iso)", "the end date \(until.iso) is before today (\(today.iso))")
        }
        return ShareRequest(consumer: consumer, resource: r.name, items: r.fields.map(\.name).filter(wanted.contains),
                            jurisdiction: jurisdiction, purpose: purpose, until: until, share: r.share,
                            immediate: outcome == .grantedAtOnce)
    }

    /// The node authoritative for `group` of a record whose scope is `scope` (一数一源): the
    /// ancestor of the scope at the group's level (the scope's own node when the group's level
    /// lies below it). A group without an authority (a tag set) has no one to answer for it.
    public static func authoritativeNode(for group: FieldGroup, scope: String) throws -> String {
        guard let level = group.authority else {
            throw ShareError.invalid("group", "字段组 \(group.name) 没有权威层级（标签由各级自行维护），不能发起校核",
                                     "field group \(group.name) has no authoritative level (tags are kept by every level); it cannot be disputed")
        }
        guard let scopeLevel = DivisionCode.level(ofShape: scope) else {
            throw ShareError.invalid("scope", "记录的范围 \(scope) 不是区划代码", "the record's scope \(scope) is not a division code")
        }
        let depth: [DivisionLevel: Int] = [.province: 0, .city: 1, .district: 2, .street: 3, .community: 4]
        let wanted = max(depth[level] ?? 1, 1)
        if wanted >= depth[scopeLevel] ?? 1 { return scopeLevel == .province ? DivisionCode.prefecture(of: scope) : scope }
        switch wanted {
        case 1: return DivisionCode.prefecture(of: scope)
        case 2: return String(scope.prefix(6))
        default: return String(scope.prefix(9))
        }
    }
}
