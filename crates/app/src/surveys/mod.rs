//! Satisfaction measurement (SPEC.md §2): survey analysis. Now: PLS path models on an answers
//! file (`pls`); survey projects, questionnaires and collection come with the rest of issue 4.

pub mod pls;
