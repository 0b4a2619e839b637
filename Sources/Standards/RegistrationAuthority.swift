/// A registration authority (登记管理部门, first character of a credit code) and the entity
/// types (机构类别, second character) it may register, per GB 32100-2015 and its amendments.
///
/// The pairs are fixed by the standard; a code with a type its authority does not register
/// was mistyped, so the table lets the checker say which types would have been allowed.
public struct RegistrationAuthority: Sendable, Hashable, Codable {
    /// An entity type within one authority.
    public struct EntityType: Sendable, Hashable, Codable {
        public var code: String
        public var nameZh: String
    }

    public var code: String
    public var nameZh: String
    public var entityTypes: [EntityType]

    public func entityType(_ code: String) -> EntityType? { entityTypes.first { $0.code == code } }

    /// Every authority in the standard, in code order.
    public static let all: [RegistrationAuthority] = [
        .init("1", "机构编制", [("1", "机关"), ("2", "事业单位"), ("3", "中央编办直接管理机构编制的群众团体"), ("9", "其他")]),
        .init("2", "外交", [("1", "外国常驻新闻机构"), ("9", "其他")]),
        .init("3", "司法行政", [("1", "律师执业机构"), ("2", "公证处"), ("3", "基层法律服务所"), ("4", "司法鉴定机构"),
                             ("5", "仲裁委员会"), ("9", "其他")]),
        .init("4", "文化", [("1", "外国在华文化中心"), ("9", "其他")]),
        .init("5", "民政", [("1", "社会团体"), ("2", "民办非企业单位"), ("3", "基金会"), ("9", "其他")]),
        .init("6", "旅游", [("1", "外国旅游部门常驻代表机构"), ("2", "港澳台地区旅游部门常驻内地（大陆）代表机构"), ("9", "其他")]),
        .init("7", "宗教", [("1", "宗教活动场所"), ("2", "宗教院校"), ("9", "其他")]),
        .init("8", "工会", [("1", "基层工会"), ("9", "其他")]),
        .init("9", "工商", [("1", "企业"), ("2", "个体工商户"), ("3", "农民专业合作社")]),
        .init("A", "中央军委改革和编制办公室", [("1", "军队事业单位"), ("9", "其他")]),
        .init("N", "农业", [("1", "组级集体经济组织"), ("2", "村级集体经济组织"), ("3", "乡镇级集体经济组织"), ("9", "其他")]),
        .init("Y", "其他", [("1", "其他")]),
    ]

    /// The authority with this code, nil if the standard defines none.
    public static func find(_ code: String) -> RegistrationAuthority? { all.first { $0.code == code } }

    private init(_ code: String, _ nameZh: String, _ types: [(String, String)]) {
        self.code = code
        self.nameZh = nameZh
        entityTypes = types.map { EntityType(code: $0.0, nameZh: $0.1) }
    }
}
