//! The steering committee's records: delegates, meetings, agenda items with their projects and
//! votes, attendance, minutes, action items and calendar feed tokens.
//!
//! Every write to something a meeting embeds (agenda, attendance, minutes, results) first locks
//! the meeting row ([`meetings::lock_live`]) and then bumps it ([`meetings::touch`]): writes on
//! one meeting run one after another, the state they check cannot change under them, and the
//! meeting's `version`, `updated_at` and iCalendar SEQUENCE move with every change.

pub mod action_items;
pub mod agenda;
pub mod attendance;
pub mod decisions;
pub mod erasure;
pub mod feed_tokens;
pub mod meetings;
pub mod members;
pub mod minutes;
