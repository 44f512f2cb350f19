mod analyze;
mod api;
mod care;
mod care_staff;
mod case_list;
mod churn;
mod cli;
mod complaint_settings;
mod complaints;
mod harness;
mod home;
mod imports;
mod imports_api;
mod loaded;
mod loyalty;
mod pages_text;
mod parquet;
mod pls;
mod profile;
mod roles;
mod survey_form;
mod surveys;
mod users;
mod web;

/// A command's stdout and stderr together, for assertions and failure messages.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
