//! What an import reads: its kinds and, for each, the fields with the column names (English and
//! Chinese) recognised for them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    Customers,
    Transactions,
}

pub type ExportKind = ImportKind;

impl ImportKind {
    pub fn parse(s: &str) -> Result<ImportKind, String> {
        match s {
            "customers" => Ok(ImportKind::Customers),
            "transactions" => Ok(ImportKind::Transactions),
            _ => Err(format!("unknown kind '{s}' (customers, transactions)")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Transactions => "transactions",
        }
    }
    /// Target fields with the header names accepted for each (case-insensitive).
    pub fn columns(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            ImportKind::Customers => CUSTOMER_COLUMNS,
            ImportKind::Transactions => TRANSACTION_COLUMNS,
        }
    }
    pub(super) fn required(self) -> &'static [&'static str] {
        match self {
            ImportKind::Customers => &["external_id", "name"],
            ImportKind::Transactions => &["external_id", "customer_id", "occurred_at", "amount"],
        }
    }
}

pub const CUSTOMER_COLUMNS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["id", "customer_id", "客户编号", "外部编号"],
    ),
    ("name", &["full_name", "姓名", "名称", "客户姓名"]),
    ("phone", &["mobile", "tel", "电话", "手机", "手机号"]),
    ("email", &["e-mail", "mail", "邮箱", "电子邮件"]),
    ("gender", &["sex", "性别"]),
    (
        "birthday",
        &["birth_date", "date_of_birth", "生日", "出生日期"],
    ),
    ("important_dates", &["dates", "重要日期"]),
    ("region", &["city", "province", "地区", "城市"]),
    (
        "channel",
        &["acquisition_channel", "source", "渠道", "获客渠道"],
    ),
    ("referred_by", &["referrer", "referred_by_id", "推荐人"]),
    ("tags", &["tag", "标签"]),
    ("segment", &["细分", "客户细分", "客户分群"]),
    ("consent", &["consents", "联系许可", "同意"]),
    ("preferences", &["prefs", "偏好", "客户偏好"]),
    (
        "contract_start",
        &[
            "membership_start",
            "合同开始",
            "会员开始",
            "入会日期",
            "签约日期",
        ],
    ),
    (
        "contract_end",
        &[
            "membership_end",
            "cancelled_on",
            "合同结束",
            "解约日期",
            "退会日期",
        ],
    ),
    (
        "category_spend",
        &[
            "category_spend_yearly",
            "wallet_total",
            "品类年消费",
            "品类总消费",
        ],
    ),
    ("lang", &["language", "locale", "语言", "客户语言"]),
];

pub const TRANSACTION_COLUMNS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["transaction_id", "order_id", "交易编号", "订单号"],
    ),
    (
        "customer_id",
        &["customer", "customer_external_id", "客户编号"],
    ),
    (
        "occurred_at",
        &[
            "date",
            "time",
            "datetime",
            "timestamp",
            "时间",
            "日期",
            "交易时间",
        ],
    ),
    ("amount", &["value", "sales", "total", "金额", "消费金额"]),
    ("currency", &["币种", "货币"]),
    ("channel", &["渠道"]),
    ("store", &["shop", "门店", "店铺"]),
    ("items", &["products", "商品", "明细"]),
    ("quantity", &["qty", "n", "数量"]),
    (
        "promotion",
        &["promo", "discount", "on_promotion", "促销", "折扣"],
    ),
    ("is_return", &["return", "returned", "退货"]),
];
