//! Reporting: the implementation report of one organization for its council
//! (`/api/v1/organizations/{org}/report`) and the cooperation dashboard (`/api/v1/dashboard`).
//! Both only read, and every figure comes from the queries and rules the corresponding
//! resources use, loaded for all rows at once (a fixed number of queries per document).

pub mod dashboard;
pub mod report;
