//! Reporting: the strategy and its goals, one organization's implementation report (checked
//! section by section against the resources it mirrors, as printable HTML against a golden
//! file, and as CSV read like German Excel), and the cooperation dashboard.

mod dashboard;
mod report;
pub mod scenario;
mod strategy;
