//! Interface languages: Simplified Chinese and English (SPEC.md: "every metric and state has a
//! name in both"). One catalogue of labels, looked up by key; pages, API messages and the CLI use
//! it, and a test checks that no key is missing a language.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
    /// Pick from an `Accept-Language` header or a `LANG` environment value.
    pub fn from_accept(h: &str) -> Lang {
        h.split([',', ':'])
            .filter_map(|p| Lang::parse(p.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or(Lang::En)
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::ZhCn,
            Lang::ZhCn => Lang::En,
        }
    }
    /// Look a label up; an unknown key comes back as itself so a gap is visible, and the test
    /// below keeps the catalogue complete.
    pub fn t(self, key: &str) -> &'static str {
        match CATALOGUE.binary_search_by(|(k, _, _)| (*k).cmp(key)) {
            Ok(i) => match self {
                Lang::En => CATALOGUE[i].1,
                Lang::ZhCn => CATALOGUE[i].2,
            },
            Err(_) => "??",
        }
    }
}

/// (key, English, 简体中文), sorted by key.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    ("action.add", "Add", "添加"),
    ("action.apply", "Apply", "应用"),
    ("action.clear", "Clear", "清除"),
    ("action.create", "Create", "创建"),
    ("action.delete", "Delete", "删除"),
    ("action.edit", "Edit", "编辑"),
    ("action.export_csv", "Export CSV", "导出 CSV"),
    ("action.export_xlsx", "Export Excel", "导出 Excel"),
    ("action.save", "Save", "保存"),
    ("action.search", "Search", "搜索"),
    ("app.name", "Fidelis", "Fidelis 客户忠诚"),
    ("app.tagline", "Satisfaction, complaints, churn and loyalty in one place", "满意度、投诉、流失与忠诚，一站管理"),
    ("area.care", "Care", "客户关怀"),
    ("area.churn", "Churn", "流失管理"),
    ("area.complaints", "Complaints", "投诉管理"),
    ("area.customers", "Customers", "客户信息"),
    ("area.loyalty", "Loyalty", "忠诚管理"),
    ("area.surveys", "Satisfaction", "满意度测评"),
    ("coming.body", "This area is being built. Its issue describes what it will do; the customer base it stands on is ready.", "该模块正在建设中。它所依赖的客户信息库已经就绪。"),
    ("coming.title", "Coming soon", "即将推出"),
    ("customer.birthday", "Birthday", "生日"),
    ("customer.channel", "Acquisition channel", "获客渠道"),
    ("customer.consent", "Consent", "联系许可"),
    ("customer.email", "E-mail", "邮箱"),
    ("customer.external_id", "External id", "外部编号"),
    ("customer.first_purchase", "First purchase", "首次购买"),
    ("customer.gender", "Gender", "性别"),
    ("customer.important_dates", "Important dates", "重要日期"),
    ("customer.key_figures", "Key figures", "关键指标"),
    ("customer.last_purchase", "Last purchase", "最近购买"),
    ("customer.name", "Name", "姓名"),
    ("customer.new", "New customer", "新建客户"),
    ("customer.notes", "Notes", "备注"),
    ("customer.phone", "Phone", "电话"),
    ("customer.preferences", "Preferences", "客户偏好"),
    ("customer.purchases", "Purchases", "购买次数"),
    ("customer.referrals", "Brought in", "推荐的客户"),
    ("customer.referred_by", "Referred by", "推荐人"),
    ("customer.region", "Region", "地区"),
    ("customer.segment", "Segment", "客户细分"),
    ("customer.tags", "Tags", "标签"),
    ("customer.timeline", "Timeline", "客户时间线"),
    ("customer.total_spend", "Total spend", "累计消费"),
    ("customers.all_channels", "All channels", "全部渠道"),
    ("customers.all_regions", "All regions", "全部地区"),
    ("customers.count", "customers", "位客户"),
    ("customers.none", "No customers match.", "没有符合条件的客户。"),
    ("customers.search_placeholder", "Name, phone, e-mail or id", "姓名、电话、邮箱或编号"),
    ("customers.title", "Customers", "客户列表"),
    ("gender.female", "Female", "女"),
    ("gender.male", "Male", "男"),
    ("gender.other", "Other", "其他"),
    ("gender.unknown", "—", "—"),
    ("imports.at", "When", "时间"),
    ("imports.by", "By", "操作人"),
    ("imports.column", "Column", "列"),
    ("imports.failed", "The upload failed.", "上传失败。"),
    ("imports.file", "File", "文件"),
    ("imports.help", "CSV (UTF-8 or GB18030) or Excel .xlsx with a header row; all or nothing: one bad row and nothing is stored. Columns as in the README.", "CSV（UTF-8 或 GB18030）或带表头的 Excel .xlsx；全部成功或全部不导入：有一行出错则不保存任何数据。列名见 README。"),
    ("imports.inserted", "new", "新增"),
    ("imports.kind", "Data", "数据"),
    ("imports.kind_customers", "Customers", "客户"),
    ("imports.kind_transactions", "Transactions", "交易"),
    ("imports.line", "Line", "行"),
    ("imports.none", "No imports yet.", "还没有导入记录。"),
    ("imports.reason", "Reason", "原因"),
    ("imports.recent", "Recent imports", "最近的导入"),
    ("imports.rejected", "Rejected, nothing stored. Bad rows", "已拒绝，未保存任何数据。出错行数"),
    ("imports.rows", "Rows", "行数"),
    ("imports.status", "Status", "状态"),
    ("imports.status_done", "Imported", "已导入"),
    ("imports.status_rejected", "Rejected", "已拒绝"),
    ("imports.status_running", "Importing…", "导入中…"),
    ("imports.title", "Import", "导入"),
    ("imports.updated", "updated", "更新"),
    ("imports.upload", "Upload and import", "上传并导入"),
    ("interaction.add", "Record a contact", "记录一次接触"),
    ("interaction.call", "Call", "电话"),
    ("interaction.care", "Care action", "关怀"),
    ("interaction.email", "E-mail", "邮件"),
    ("interaction.kind", "Kind", "方式"),
    ("interaction.message", "Message", "短信/消息"),
    ("interaction.summary", "What happened", "内容"),
    ("interaction.visit", "Visit", "拜访"),
    ("interaction.wechat", "WeChat", "微信"),
    ("login.password", "Password", "密码"),
    ("login.submit", "Sign in", "登录"),
    ("login.title", "Sign in", "登录"),
    ("login.username", "User name", "用户名"),
    ("nav.api_docs", "API", "接口文档"),
    ("nav.areas", "Areas", "功能模块"),
    ("nav.language", "中文", "English"),
    ("nav.logout", "Sign out", "退出"),
    ("nav.users", "Users", "用户管理"),
    ("page.next", "Next", "下一页"),
    ("page.prev", "Previous", "上一页"),
    ("preference.key", "Preference", "偏好项"),
    ("preference.value", "Value", "内容"),
    ("role.admin", "Administrator", "管理员"),
    ("role.agent", "Agent", "一线客服"),
    ("role.analyst", "Analyst", "分析师"),
    ("role.manager", "Manager", "经理"),
    ("timeline.empty", "Nothing yet.", "暂无记录。"),
    ("timeline.interaction", "Contact", "接触"),
    ("timeline.note", "Note", "备注"),
    ("timeline.promotion", "on promotion", "促销"),
    ("timeline.purchase", "Purchase", "购买"),
    ("timeline.return", "Return", "退货"),
    ("user.add", "Add user", "添加用户"),
    ("user.created", "Created", "创建时间"),
    ("user.role", "Role", "角色"),
    ("users.title", "Users", "用户"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_sorted_unique_and_complete() {
        for w in CATALOGUE.windows(2) {
            assert!(
                w[0].0 < w[1].0,
                "catalogue not sorted at {} / {}",
                w[0].0,
                w[1].0
            );
        }
        for (k, en, zh) in CATALOGUE {
            assert!(!en.is_empty() && !zh.is_empty(), "{k} misses a language");
            assert_eq!(Lang::En.t(k), *en);
            assert_eq!(Lang::ZhCn.t(k), *zh);
        }
        assert_eq!(Lang::En.t("no.such.key"), "??");
        assert_eq!(Lang::from_accept("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhCn);
        assert_eq!(Lang::from_accept("en-US"), Lang::En);
        assert_eq!(Lang::from_accept("fr"), Lang::En);
    }
}
