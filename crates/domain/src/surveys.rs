//! Questionnaires on the four-level satisfaction hierarchy (SPEC.md §2.1, seed 002): the
//! satisfaction index (level 1) is explained by level-2 elements (image, expectation, quality,
//! value, satisfaction, complaints, loyalty — the structural model's constructs, with the paths
//! between them); each element is measured by level-3 indicators, each asked as one or more
//! level-4 items. Items have a type (scales, 0–10 recommend, effort, expectation/perception
//! pairs, choices, share of wallet, open text) and zh-CN and English wording.
//!
//! Shipped templates: ECSI (with company image), ACSI (without), CSAT, NPS and a post-complaint
//! survey. An answer is checked against its item here, so a stored answer is always valid.

use crate::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: &str, en: &str) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: impl std::borrow::Borrow<Lang>) -> &str {
        match lang.borrow() {
            Lang::ZhCn => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// What an item asks for, and so which answers it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// A rating from `min` to `max` (1–5, 1–10).
    Scale {
        min: i64,
        max: i64,
    },
    /// "How likely are you to recommend …", 0–10 (NPS).
    Recommend,
    /// Customer effort, 1 (very easy) to 7 (very hard).
    Effort,
    /// Expectation (a) and perception (b) of the same attribute on one scale, for c = b/a.
    Gap {
        min: i64,
        max: i64,
    },
    Single {
        options: Vec<Text>,
    },
    Multiple {
        options: Vec<Text>,
    },
    /// Share of wallet: a percentage 0–100.
    Share,
    Text,
}

/// A level-4 item. `element` and `indicator` place it in the hierarchy (both empty for items
/// outside the structural model, such as open text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub kind: ItemKind,
    pub text: Text,
    #[serde(default)]
    pub element: String,
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub required: bool,
    /// `csat`, `nps` or `ces`: the item is the survey's simple measure of that name.
    #[serde(default)]
    pub measure: String,
}

/// A level-2 element: a construct of the structural model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    pub code: String,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub title: Text,
    pub intro: Text,
    pub elements: Vec<Element>,
    /// Structural paths (from, to) between element codes.
    pub paths: Vec<(String, String)>,
    /// The element whose index is the CSI (level 1), and the loyalty element, if any.
    #[serde(default)]
    pub satisfaction: String,
    #[serde(default)]
    pub loyalty: String,
    pub items: Vec<Item>,
}

/// One item's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Number(f64),
    /// Expectation (a) and perception (b).
    Pair {
        expected: f64,
        perceived: f64,
    },
    Choices(Vec<usize>),
    Text(String),
}

/// Answers by item code.
pub type Answers = BTreeMap<String, AnswerValue>;

/// Why an answer was refused, naming the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    pub item: String,
    pub reason: Text,
}

pub const TEXT_MAX: usize = 4000;

impl Questionnaire {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The structure is sound: unique codes, items on known elements, paths between known
    /// elements without a cycle, scales with min < max, choices with options.
    pub fn check(&self) -> Result<(), Text> {
        let fail = |zh: String, en: String| Err(Text { zh, en });
        let mut seen = std::collections::HashSet::new();
        for e in &self.elements {
            if !seen.insert(format!("e:{}", e.code)) {
                let c = &e.code;
                return fail(
                    format!("维度 '{c}' 定义了两次"),
                    format!("element '{c}' is defined twice"),
                );
            }
        }
        let known = |c: &str| self.elements.iter().any(|e| e.code == c);
        for i in &self.items {
            let c = &i.code;
            if c.trim().is_empty() {
                return fail("有一道题没有编号".into(), "an item has no code".into());
            }
            if !seen.insert(format!("i:{c}")) {
                return fail(
                    format!("题目 '{c}' 定义了两次"),
                    format!("item '{c}' is defined twice"),
                );
            }
            if !i.element.is_empty() && !known(&i.element) {
                let e = &i.element;
                return fail(
                    format!("题目 '{c}' 指向不存在的维度 '{e}'"),
                    format!("item '{c}' names the unknown element '{e}'"),
                );
            }
            match &i.kind {
                ItemKind::Scale { min, max } | ItemKind::Gap { min, max } if min >= max => {
                    return fail(
                        format!("题目 '{c}'：量表 {min}–{max} 为空"),
                        format!("item '{c}': the scale {min}–{max} is empty"),
                    )
                }
                ItemKind::Single { options } | ItemKind::Multiple { options }
                    if options.is_empty() =>
                {
                    return fail(
                        format!("题目 '{c}' 没有选项"),
                        format!("item '{c}' has no options"),
                    )
                }
                _ => {}
            }
        }
        for (a, b) in &self.paths {
            if !known(a) || !known(b) {
                return fail(
                    format!("路径 {a} → {b} 指向不存在的维度"),
                    format!("the path {a} → {b} names an unknown element"),
                );
            }
        }
        for e in &self.elements {
            if self.reaches(&e.code, &e.code) {
                let c = &e.code;
                return fail(
                    format!("路径经过 '{c}' 形成循环"),
                    format!("the paths form a cycle through '{c}'"),
                );
            }
        }
        Ok(())
    }

    fn reaches(&self, from: &str, target: &str) -> bool {
        let mut stack: Vec<&str> = vec![from];
        let mut seen = std::collections::HashSet::new();
        while let Some(at) = stack.pop() {
            for (a, b) in &self.paths {
                if a == at {
                    if b == target {
                        return true;
                    }
                    if seen.insert(b.as_str()) {
                        stack.push(b);
                    }
                }
            }
        }
        false
    }

    /// Items measuring an element, in order.
    pub fn items_of(&self, element: &str) -> Vec<&Item> {
        self.items.iter().filter(|i| i.element == element).collect()
    }

    /// Check one answer against its item.
    pub fn check_answer(&self, code: &str, v: &AnswerValue) -> Result<(), AnswerError> {
        let err = |zh: String, en: String| AnswerError {
            item: code.to_string(),
            reason: Text { zh, en },
        };
        let Some(item) = self.item(code) else {
            return Err(err(
                "问卷中没有此题".into(),
                "the questionnaire has no such item".into(),
            ));
        };
        let in_range = |x: f64, lo: i64, hi: i64| {
            if x.is_finite() && x >= lo as f64 && x <= hi as f64 {
                Ok(())
            } else {
                Err(err(
                    format!("{x} 超出量表范围 {lo}–{hi}"),
                    format!("{x} is outside the scale {lo}–{hi}"),
                ))
            }
        };
        // A point on a scale is a whole number (4, not 4.5).
        let on_scale = |x: f64, lo: i64, hi: i64| {
            in_range(x, lo, hi)?;
            if x.fract() == 0.0 {
                Ok(())
            } else {
                Err(err(
                    format!("{x} 不是量表上的整数分值"),
                    format!("{x} is not a whole point of the scale"),
                ))
            }
        };
        let wrong = || {
            err(
                "答案类型与题目不符".into(),
                "the answer does not fit the item's type".into(),
            )
        };
        match (&item.kind, v) {
            (ItemKind::Scale { min, max }, AnswerValue::Number(x)) => on_scale(*x, *min, *max),
            (ItemKind::Recommend, AnswerValue::Number(x)) => on_scale(*x, 0, 10),
            (ItemKind::Effort, AnswerValue::Number(x)) => on_scale(*x, 1, 7),
            (ItemKind::Share, AnswerValue::Number(x)) => in_range(*x, 0, 100),
            (
                ItemKind::Gap { min, max },
                AnswerValue::Pair {
                    expected,
                    perceived,
                },
            ) => on_scale(*expected, *min, *max).and(on_scale(*perceived, *min, *max)),
            (ItemKind::Single { options }, AnswerValue::Choices(c)) if c.len() == 1 => {
                choices(c, options.len()).map_err(|(zh, en)| err(zh, en))
            }
            (ItemKind::Multiple { options }, AnswerValue::Choices(c)) if !c.is_empty() => {
                choices(c, options.len()).map_err(|(zh, en)| err(zh, en))
            }
            (ItemKind::Text, AnswerValue::Text(t)) => {
                if t.chars().count() > TEXT_MAX {
                    Err(err(
                        format!("文字超过 {TEXT_MAX} 字"),
                        format!("the text is longer than {TEXT_MAX} characters"),
                    ))
                } else if t
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                {
                    Err(err(
                        "文字中含有控制字符".into(),
                        "the text holds control characters".into(),
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Err(wrong()),
        }
    }

    /// Check a whole set of answers; `complete` also asks for every required item.
    pub fn check_answers(&self, a: &Answers, complete: bool) -> Result<(), Vec<AnswerError>> {
        let mut errors: Vec<AnswerError> = a
            .iter()
            .filter_map(|(k, v)| self.check_answer(k, v).err())
            .collect();
        if complete {
            for i in self.items.iter().filter(|i| i.required) {
                if !a.contains_key(&i.code) {
                    errors.push(AnswerError {
                        item: i.code.clone(),
                        reason: Text::new("此题必答", "this item must be answered"),
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn choices(c: &[usize], n: usize) -> Result<(), (String, String)> {
    match c.iter().find(|&&k| k >= n) {
        Some(k) => Err((
            format!("没有第 {} 个选项", k + 1),
            format!("there is no option {}", k + 1),
        )),
        None => Ok(()),
    }
}

/// The templates shipped, by code.
pub const TEMPLATES: [&str; 5] = ["ecsi", "acsi", "csat", "nps", "post_complaint"];

/// A template's name for staff choosing one (the questionnaire's own title is what customers
/// read, free of the model's names).
pub fn template_label(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = match code {
        "ecsi" => (
            "ECSI 顾客满意度指数（含企业形象，PLS 模型）",
            "ECSI customer satisfaction index (with image, PLS model)",
        ),
        "acsi" => (
            "ACSI 顾客满意度指数（PLS 模型）",
            "ACSI customer satisfaction index (PLS model)",
        ),
        "csat" => (
            "CSAT 服务满意度（含期望与感知差距）",
            "CSAT service satisfaction (with expectation gaps)",
        ),
        "nps" => ("NPS 推荐意愿", "NPS likelihood to recommend"),
        "post_complaint" => ("投诉处理回访", "After a complaint"),
        _ => return "",
    };
    lang.pick(zh, en)
}

fn scale_item(code: &str, element: &str, max: i64, zh: &str, en: &str) -> Item {
    Item {
        code: code.into(),
        kind: ItemKind::Scale { min: 1, max },
        text: Text::new(zh, en),
        element: element.into(),
        indicator: code.into(),
        required: true,
        measure: String::new(),
    }
}

fn open_item(code: &str, zh: &str, en: &str) -> Item {
    Item {
        code: code.into(),
        kind: ItemKind::Text,
        text: Text::new(zh, en),
        element: String::new(),
        indicator: String::new(),
        required: false,
        measure: String::new(),
    }
}

/// An element's code, Chinese and English names, and its items' wording (zh, en).
type ElementWording = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The ECSI elements (codes as in the mobi data) and their items' wording (1–10 scales).
const ECSI: [ElementWording; 7] = [
    (
        "IMAG",
        "企业形象",
        "Image",
        &[
            ("值得信赖", "It can be trusted in what it says and does"),
            ("在市场中地位稳固", "It is stable and firmly established"),
            ("对社会有贡献", "It has a social contribution to society"),
            ("关心顾客", "It is concerned with its customers"),
            ("创新、有前瞻性", "It is innovative and forward looking"),
        ],
    ),
    (
        "CUEX",
        "顾客期望",
        "Expectation",
        &[
            (
                "购买前对整体质量的期望",
                "Expectations of the overall quality before you became a customer",
            ),
            (
                "期望产品和服务满足您的个人需要",
                "Expectations that it would provide products and services to meet your needs",
            ),
            (
                "期望出错的频率",
                "How often you expected things could go wrong",
            ),
        ],
    ),
    (
        "PERQ",
        "感知质量",
        "Quality",
        &[
            ("整体感知质量", "Overall perceived quality"),
            (
                "技术质量（网络/产品）",
                "Technical quality of the network or product",
            ),
            (
                "个人服务与建议",
                "Customer service and personal advice offered",
            ),
            ("产品与服务的质量", "Quality of the services you use"),
            ("产品与服务的范围", "Range of services and products offered"),
            (
                "可靠性与准确性",
                "Reliability and accuracy of the products and services",
            ),
            (
                "信息的清晰与透明",
                "Clarity and transparency of information provided",
            ),
        ],
    ),
    (
        "PERV",
        "感知价值",
        "Value",
        &[
            ("相对价格的质量", "Given the quality, the price you pay"),
            ("相对质量的价格", "Given the price, the quality you get"),
        ],
    ),
    (
        "CUSA",
        "顾客满意",
        "Satisfaction",
        &[
            ("总体满意程度", "Overall, how satisfied are you"),
            ("满足期望的程度", "How well it fulfils your expectations"),
            ("与理想中的相比", "Compared with your ideal"),
        ],
    ),
    (
        "CUSCO",
        "顾客抱怨",
        "Complaints",
        &[(
            "上次投诉（或想投诉时）处理得好不好",
            "How well your last complaint was handled (or would be)",
        )],
    ),
    (
        "CUSL",
        "顾客忠诚",
        "Loyalty",
        &[
            (
                "再次选择我们的可能性",
                "If you were to choose again, how likely you would choose us",
            ),
            (
                "价格上涨 10% 时仍留下的可能性",
                "If prices rose by 10%, how likely you would stay",
            ),
            (
                "向朋友和同事推荐的可能性",
                "How likely you would recommend us to friends and colleagues",
            ),
        ],
    ),
];

/// The ECSI structural paths (Tenenhaus et al. 2005), by element code.
pub const ECSI_PATHS: [(&str, &str); 12] = [
    ("IMAG", "CUEX"),
    ("IMAG", "CUSA"),
    ("IMAG", "CUSL"),
    ("CUEX", "PERQ"),
    ("CUEX", "PERV"),
    ("CUEX", "CUSA"),
    ("PERQ", "PERV"),
    ("PERQ", "CUSA"),
    ("PERV", "CUSA"),
    ("CUSA", "CUSCO"),
    ("CUSA", "CUSL"),
    ("CUSCO", "CUSL"),
];

fn ecsi(with_image: bool) -> Questionnaire {
    let mut elements = Vec::new();
    let mut items = Vec::new();
    for (code, zh, en, wording) in ECSI {
        if code == "IMAG" && !with_image {
            continue;
        }
        elements.push(Element {
            code: code.into(),
            name: Text::new(zh, en),
        });
        for (k, (izh, ien)) in wording.iter().enumerate() {
            let item = if wording.len() == 1 {
                code.to_string()
            } else {
                format!("{code}{}", k + 1)
            };
            items.push(scale_item(&item, code, 10, izh, ien));
        }
    }
    items.push(open_item(
        "COMMENT",
        "还有什么想告诉我们的吗？",
        "Is there anything else you would like to tell us?",
    ));
    let paths = ECSI_PATHS
        .iter()
        .filter(|(a, b)| with_image || (*a != "IMAG" && *b != "IMAG"))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    Questionnaire {
        // Customers read a plain title (staff see the model's name in `template_label`).
        title: Text::new("顾客满意度调查", "Customer satisfaction survey"),
        intro: Text::new(
            "请用 1（非常不同意/非常差）到 10（非常同意/非常好）为以下各项打分。大约需要 5 分钟。",
            "Please rate each statement from 1 (strongly disagree / very poor) to 10 (strongly agree / excellent). It takes about 5 minutes.",
        ),
        elements,
        paths,
        satisfaction: "CUSA".into(),
        loyalty: "CUSL".into(),
        items,
    }
}

fn measure_item(code: &str, kind: ItemKind, measure: &str, zh: &str, en: &str) -> Item {
    Item {
        code: code.into(),
        kind,
        text: Text::new(zh, en),
        element: String::new(),
        indicator: String::new(),
        required: true,
        measure: measure.into(),
    }
}

fn gap_item(code: &str, zh: &str, en: &str) -> Item {
    Item {
        code: code.into(),
        kind: ItemKind::Gap { min: 1, max: 5 },
        text: Text::new(zh, en),
        element: String::new(),
        indicator: code.into(),
        required: false,
        measure: String::new(),
    }
}

fn recommend() -> Item {
    measure_item(
        "NPS",
        ItemKind::Recommend,
        "nps",
        "您有多大可能向朋友或同事推荐我们？（0–10）",
        "How likely are you to recommend us to a friend or colleague? (0–10)",
    )
}

fn simple(title: Text, intro: Text, items: Vec<Item>) -> Questionnaire {
    Questionnaire {
        title,
        intro,
        elements: Vec::new(),
        paths: Vec::new(),
        satisfaction: String::new(),
        loyalty: String::new(),
        items,
    }
}

/// A shipped template by code (see [`TEMPLATES`]).
pub fn template(code: &str) -> Option<Questionnaire> {
    let q = match code {
        "ecsi" => ecsi(true),
        "acsi" => ecsi(false),
        "csat" => simple(
            Text::new("您对我们的服务满意吗？", "How was our service?"),
            Text::new("感谢您抽出一分钟时间。", "Thank you for sparing a minute."),
            vec![
                measure_item(
                    "CSAT",
                    ItemKind::Scale { min: 1, max: 5 },
                    "csat",
                    "总体而言，您对我们的服务满意吗？（1 非常不满意 – 5 非常满意）",
                    "Overall, how satisfied are you with our service? (1 very dissatisfied – 5 very satisfied)",
                ),
                gap_item(
                    "SPEED",
                    "服务速度",
                    "Speed of service",
                ),
                gap_item(
                    "COURTESY",
                    "员工礼貌",
                    "Staff courtesy",
                ),
                Item {
                    code: "WALLET".into(),
                    kind: ItemKind::Share,
                    text: Text::new(
                        "您在这类产品上的花费，大约有百分之几花在我们这里？",
                        "Of what you spend on this kind of product, roughly what percentage is spent with us?",
                    ),
                    element: String::new(),
                    indicator: String::new(),
                    required: false,
                    measure: String::new(),
                },
                open_item("COMMENT", "我们哪里可以做得更好？", "What could we do better?"),
            ],
        ),
        "nps" => simple(
            Text::new("您会推荐我们吗？", "Would you recommend us?"),
            Text::new("只有两个问题。", "Just two questions."),
            vec![
                recommend(),
                open_item("REASON", "您打这个分数的主要原因是什么？", "What is the main reason for your score?"),
            ],
        ),
        "post_complaint" => simple(
            Text::new("投诉处理回访", "After your complaint"),
            Text::new(
                "您最近向我们反映了问题，想听听您对处理过程的看法。",
                "You recently raised a problem with us; we would like to hear how we handled it.",
            ),
            vec![
                measure_item(
                    "HANDLING",
                    ItemKind::Scale { min: 1, max: 5 },
                    "csat",
                    "您对投诉的处理结果满意吗？（1–5）",
                    "How satisfied are you with how your complaint was handled? (1–5)",
                ),
                measure_item(
                    "EFFORT",
                    ItemKind::Effort,
                    "ces",
                    "解决这个问题对您来说有多费力？（1 非常容易 – 7 非常费力）",
                    "How much effort did it take you to get this resolved? (1 very easy – 7 very hard)",
                ),
                Item {
                    code: "RESOLVED".into(),
                    kind: ItemKind::Single {
                        options: vec![
                            Text::new("已解决", "Yes, resolved"),
                            Text::new("部分解决", "Partly"),
                            Text::new("未解决", "No"),
                        ],
                    },
                    text: Text::new("问题解决了吗？", "Was the problem resolved?"),
                    element: String::new(),
                    indicator: String::new(),
                    required: true,
                    measure: String::new(),
                },
                recommend(),
                open_item("COMMENT", "还有什么想告诉我们的吗？", "Anything else you would like to tell us?"),
            ],
        ),
        _ => return None,
    };
    Some(q)
}

#[cfg(test)]
#[path = "surveys_tests.rs"]
mod tests;
