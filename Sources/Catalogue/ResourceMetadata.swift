/// The standard's description of an information resource (信息类元数据), as a 清单编制员 fills it in.
public struct ResourceMetadata: Sendable, Equatable {
    public static let formats = ["电子文件", "电子表格", "数据库", "图形图像", "流媒体", "其他"]
    public static let updateCycles = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "其他"]
    public static let managementStyles = ["手工", "计算机"]

    /// 信息资源分类: 前段码, 类 + 项 + 目 (6 digits).
    public var category: String
    /// 信息资源代码; nil in a draft until the city assigns it on final approval.
    public var identifier: String?
    /// 提供方 and 提供方代码 (the department's unified social credit code).
    public var provider: String
    public var providerCode: String
    public var abstract: String
    public var format: String
    /// 共享条件 (required unless the share type is 无条件共享) and 共享方式.
    public var shareCondition: String?
    public var shareMethod: String
    /// 是否向社会开放, 开放条件.
    public var open: Bool
    public var openCondition: String?
    /// 更新周期; `updateCycleText` says what 其他 means.
    public var updateCycle: String
    public var updateCycleText: String?
    public var dataRange: String
    /// 管理方式: 手工 or 计算机.
    public var management: String
    /// 关联资源代码.
    public var related: [String]
    /// 发布日期 (YYYY-MM-DD).
    public var published: String?

    public init(category: String, identifier: String?, provider: String, providerCode: String, abstract: String,
                format: String, shareCondition: String?, shareMethod: String, open: Bool, openCondition: String?,
                updateCycle: String, updateCycleText: String?, dataRange: String, management: String,
                related: [String], published: String?) {
        self.category = category
        self.identifier = identifier
        self.provider = provider
        self.providerCode = providerCode
        self.abstract = abstract
        self.format = format
        self.shareCondition = shareCondition
        self.shareMethod = shareMethod
        self.open = open
        self.openCondition = openCondition
        self.updateCycle = updateCycle
        self.updateCycleText = updateCycleText
        self.dataRange = dataRange
        self.management = management
        self.related = related
        self.published = published
    }
}
