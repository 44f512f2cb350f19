//! Who may do what: the roles of SPEC.md ("Who uses it") and the one permission table.
//!
//! Every check in the API, the pages and the CLI asks `Role::can`, so changing a role's rights is
//! a one-line change here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Agent,
    Analyst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Look customers up, see profiles and timelines.
    ViewCustomers,
    /// Create and update customers, preferences, notes, interactions.
    EditCustomers,
    DeleteCustomers,
    /// Bulk import of customers and transactions.
    ImportData,
    /// Export the whole customer base or all transactions.
    ExportAll,
    ManageUsers,
    ViewAudit,
    /// Work complaint and care cases: record, take steps, assign to oneself.
    EditCases,
    /// Read complaint cases (an agent: their own and their team's).
    ViewCases,
    /// Read every case, not only one's own and one's team's.
    ViewAllCases,
    /// Service levels, teams, assigning cases to others.
    ManageCases,
    /// Fit models and run analyses.
    RunAnalytics,
    /// See the analyses of the whole customer base (churn, value, cohorts, survey results).
    ViewAnalytics,
    /// Design surveys, draw samples and send waves, make action plans.
    ManageSurveys,
}

use Permission::*;

/// The permission table. Agents cannot manage users or export everything; analysts read, import,
/// export and analyse but do not edit customers or cases.
const TABLE: &[(Role, &[Permission])] = &[
    (
        Role::Admin,
        &[
            ViewCustomers,
            EditCustomers,
            DeleteCustomers,
            ImportData,
            ExportAll,
            ManageUsers,
            ViewAudit,
            EditCases,
            ViewCases,
            ViewAllCases,
            ManageCases,
            RunAnalytics,
            ViewAnalytics,
            ManageSurveys,
        ],
    ),
    (
        Role::Manager,
        &[
            ViewCustomers,
            EditCustomers,
            DeleteCustomers,
            ImportData,
            ExportAll,
            ViewAudit,
            EditCases,
            ViewCases,
            ViewAllCases,
            ManageCases,
            RunAnalytics,
            ViewAnalytics,
            ManageSurveys,
        ],
    ),
    (
        Role::Agent,
        &[ViewCustomers, EditCustomers, EditCases, ViewCases],
    ),
    (
        Role::Analyst,
        &[
            ViewCustomers,
            ImportData,
            ExportAll,
            RunAnalytics,
            ViewAnalytics,
            ManageSurveys,
            ViewCases,
            ViewAllCases,
        ],
    ),
];

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Agent, Role::Analyst];

    pub fn can(self, p: Permission) -> bool {
        TABLE
            .iter()
            .find(|(r, _)| *r == self)
            .is_some_and(|(_, ps)| ps.contains(&p))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Analyst => "analyst",
        }
    }

    pub fn parse(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown role '{s}' (expected admin, manager, agent or analyst)")
            })
    }
}

/// A user name: 2–64 characters of letters, digits, `.`, `_`, `-`, `@`.
pub fn parse_username(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok_len = (2..=64).contains(&s.chars().count());
    let ok_chars = s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok_len && ok_chars {
        Ok(s.to_string())
    } else {
        Err("user name must be 2–64 letters, digits or . _ - @".into())
    }
}

/// Passwords: at least 8 characters, at most 256.
pub fn check_password(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if n < 8 {
        Err("password must have at least 8 characters".into())
    } else if n > 256 {
        Err("password is longer than 256 characters".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_issue() {
        assert!(Role::Admin.can(ManageUsers));
        assert!(!Role::Manager.can(ManageUsers));
        assert!(!Role::Agent.can(ManageUsers));
        assert!(!Role::Agent.can(ExportAll));
        assert!(Role::Agent.can(EditCustomers));
        assert!(Role::Analyst.can(ExportAll));
        assert!(!Role::Analyst.can(EditCases));
        assert!(!Role::Analyst.can(EditCustomers));
        assert!(Role::Analyst.can(ViewAnalytics) && Role::Manager.can(ViewAnalytics));
        assert!(!Role::Agent.can(ViewAnalytics) && !Role::Agent.can(RunAnalytics));
        for r in Role::ALL {
            assert!(r.can(ViewCustomers));
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
    }
}
