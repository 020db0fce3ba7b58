//! Rules of `changegate audit`: checks of a deployment branch's history over a period, not of
//! one change. Each declares its code and documentation here, like every rule, so that
//! `changegate rules` and `changegate explain` show them; their checks are in
//! `crate::audit::checks`.

pub mod change_not_closed;
pub mod direct_commit;
pub mod emergency_review;
pub mod emergency_without_baseline;
pub mod orphan_record;
pub mod outside_window;
pub mod overdue_vulnerability;
pub mod record_fails_verification;
pub mod stale_role_member;
pub mod unauthorised_author;
pub mod unsuccessful_change;
pub mod without_record;
pub mod without_ticket;
