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
    ("churn.active_rate", "Bought in the period", "当期购买率"),
    ("churn.actual", "Actual", "实际"),
    ("churn.at_risk", "Valuable customers at risk", "高价值流失风险客户"),
    ("churn.at_risk_def", "P(alive) below the churn threshold, by what they have spent: call them first (win-back).", "存活概率低于流失阈值的客户，按累计消费排序：优先挽回。"),
    ("churn.by", "By", "操作人"),
    ("churn.by_segment", "Churn, referral and value by segment", "按客户细分的流失、推荐与价值"),
    ("churn.calibration_end", "Calibration end", "校准截止"),
    ("churn.churn_cohort_chart", "Churn rate by acquisition cohort", "按获客批次的流失率"),
    ("churn.churn_rate_inactivity", "Churn rate (inactivity)", "流失率（未购间隔）"),
    ("churn.churn_rate_p_alive", "Churn rate (P(alive))", "流失率（存活概率）"),
    ("churn.clv_chart", "Customer lifetime value", "客户终身价值分布"),
    ("churn.cohort_chart", "Cohort retention (share buying in each period after acquisition)", "批次保持率（获客后各期仍购买的比例）"),
    ("churn.customers", "Customers", "客户数"),
    ("churn.customers_def", "customers with a purchase up to", "截至该日有购买的客户："),
    ("churn.day", "Day", "日"),
    ("churn.discount", "Discount per month", "月折现率"),
    ("churn.equality", "Equal shares", "均等分布"),
    ("churn.estimate", "Estimate", "估计值"),
    ("churn.expected", "Model", "模型预测"),
    ("churn.expected_purchases", "Expected purchases", "预计购买次数"),
    ("churn.frequency", "Frequency score", "频次评分"),
    ("churn.future_value", "Future value (CLV)", "未来价值（CLV）"),
    ("churn.history", "Analysis runs", "分析记录"),
    ("churn.holdout_chart", "Holdout: repeat purchases per customer by calibration frequency", "验证期：按校准期频次的人均重复购买"),
    ("churn.holdout_note", "Model check of run", "模型检验，分析"),
    ("churn.horizon", "Horizon (months)", "预测期（月）"),
    ("churn.inactivity_def", "× own purchase interval without a purchase", "倍自身购买间隔未购买"),
    ("churn.mean_clv", "Mean CLV", "平均 CLV"),
    ("churn.mean_p_alive", "Mean P(alive)", "平均存活概率"),
    ("churn.models", "Fitted models", "模型参数"),
    ("churn.month", "Month", "月"),
    ("churn.months", "months", "个月"),
    ("churn.multiple", "Inactivity multiple", "未购间隔倍数"),
    ("churn.new_run", "Run a new analysis", "运行新分析"),
    ("churn.no_holdout", "No model check yet: run an analysis with an observation end to compare predictions with what happened.", "尚无模型检验：设置观察截止日期运行分析，即可对比预测与实际。"),
    ("churn.no_run", "No analysis yet. Run one below: it fits BG/NBD and Gamma-Gamma on the stored transactions.", "尚无分析结果。请在下方运行：将基于已存交易拟合 BG/NBD 与 Gamma-Gamma 模型。"),
    ("churn.observation_end", "Observation end (holdout)", "观察截止（验证期）"),
    ("churn.p_alive_chart", "P(alive): probability the customer is still active", "存活概率分布"),
    ("churn.p_alive_def", "BG/NBD probability that the customer is still active", "BG/NBD 模型估计的客户仍活跃的概率"),
    ("churn.pareto_chart", "Pareto: share held by the top customers", "帕累托：头部客户所占份额"),
    ("churn.period", "Period", "时间单位"),
    ("churn.periods_since", "Periods since acquisition", "获客后期数"),
    ("churn.recency", "Recency score", "最近购买评分"),
    ("churn.referral_rate", "Referral rate", "推荐率"),
    ("churn.repeat_purchases", "Cumulative repeat purchases", "累计重复购买"),
    ("churn.retention_def", "1 − churn rate (P(alive) rule)", "1 − 流失率（存活概率规则）"),
    ("churn.retention_rate", "Retention rate", "保持率"),
    ("churn.revenue", "Revenue", "收入"),
    ("churn.rfm_chart", "RFM grid: customers by recency × frequency score", "RFM 网格：按最近购买 × 频次评分的客户数"),
    ("churn.run", "Analysis", "分析"),
    ("churn.run_done", "Finished. Customers analysed:", "已完成。分析客户数："),
    ("churn.run_failed", "The analysis failed:", "分析失败："),
    ("churn.run_help", "Runs in the background on the stored transactions; the page follows it and shows the results when done. Results replace the previous run's on every profile.", "在后台基于已存交易运行；页面会显示进度并在完成后展示结果。结果将替换各客户档案上的上次结果。"),
    ("churn.run_now", "Run analysis", "运行分析"),
    ("churn.se", "Std. error", "标准误"),
    ("churn.share_customers", "Share of customers", "客户占比"),
    ("churn.stage_fit", "Fitting the models", "拟合模型"),
    ("churn.stage_predict", "Predicting per customer", "逐客户预测"),
    ("churn.stage_reading", "Reading purchases", "读取交易"),
    ("churn.stage_saving", "Saving results", "保存结果"),
    ("churn.stage_starting", "Starting", "正在开始"),
    ("churn.stage_summary", "Summarising customers", "汇总客户"),
    ("churn.started", "Started", "开始时间"),
    ("churn.status", "Status", "状态"),
    ("churn.status_done", "done", "已完成"),
    ("churn.status_failed", "failed", "失败"),
    ("churn.status_running", "running", "运行中"),
    ("churn.threshold", "Churn threshold P(alive)", "流失阈值（存活概率）"),
    ("churn.title", "Churn and customer value", "客户流失与价值"),
    ("churn.top20", "Top 20 % share of revenue", "前 20% 客户收入占比"),
    ("churn.top20_clv", "of future value:", "未来价值占比："),
    ("churn.total_clv", "Customer lifetime value", "客户终身价值合计"),
    ("churn.tracking_chart", "Tracking: cumulative repeat purchases, actual vs model", "跟踪：累计重复购买，实际与模型对比"),
    ("churn.trend_chart", "Churn and retention over time (month ends)", "流失率与保持率趋势（月末）"),
    ("churn.week", "Week", "周"),
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
    ("customer.value", "Value and churn risk", "价值与流失风险"),
    ("customer.value_at_risk", "At risk", "流失风险"),
    ("customer.value_clv", "CLV", "客户终身价值"),
    ("customer.value_expected", "Expected purchases", "预计购买次数"),
    ("customer.value_inactive", "Inactive for long", "长期未购买"),
    ("customer.value_none", "No analysis covers this customer yet (no purchase, or no analysis run since).", "尚无分析结果（该客户无购买记录，或之后未运行分析）。"),
    ("customer.value_p_alive", "P(alive)", "存活概率"),
    ("customer.value_rfm", "RFM (R F M)", "RFM 评分"),
    ("customer.value_run", "From analysis", "来自分析"),
    ("customer.value_spend", "Expected spend per purchase", "预计每次消费"),
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
