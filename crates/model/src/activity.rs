//! Group activities: courses, trainings, information sessions, hotline shifts, interventions at
//! the border, outreach. Work with many people at once, recorded as a headcount (how many took
//! part, and of them women, men and children when known), never as a list of people: nobody's
//! name is in it. One Automerge document per activity (kind [`GROUP_ACTIVITY_KIND`]), readable
//! by every role of the organisation.

use autosurgeon::{Hydrate, Reconcile};

use crate::client::Place;
use crate::date::IsoDate;
use crate::error::ModelError;
use crate::vocab::ActivityKind;

fn none<T>() -> Option<T> {
    None
}

/// The store's and the root's document kind.
pub const GROUP_ACTIVITY_KIND: &str = "group_activity";
/// The schema version this build writes.
pub const GROUP_ACTIVITY_SCHEMA_VERSION: u64 = 1;
/// The most people one activity may count: a typing slip (10 000 for 100) must not reach a donor.
pub const MAX_PARTICIPANTS: u64 = 5_000;

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct GroupActivity {
    pub kind: String,
    pub schema_version: u64,
    pub id: String,
    /// The organisation that held it.
    pub organisation: String,
    pub activity: ActivityKind,
    pub date: IsoDate,
    pub place: Place,
    /// A project code of the organisation's settings.
    #[autosurgeon(missing = "none")]
    pub project: Option<String>,
    /// What it was about ("work permits", "night shift").
    pub topic: String,
    pub headcount: Headcount,
    #[autosurgeon(missing = "none")]
    pub duration_minutes: Option<u64>,
    #[autosurgeon(missing = "none")]
    pub staff: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    pub created_at: String,
    #[autosurgeon(missing = "Default::default")]
    pub updated_at: String,
    /// Recorded by mistake: kept (its history is the audit trail) but not listed or counted.
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

/// How many people took part. For a hotline, the calls answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Headcount {
    pub participants: u64,
    #[autosurgeon(missing = "none")]
    pub female: Option<u64>,
    #[autosurgeon(missing = "none")]
    pub male: Option<u64>,
    /// Under 18.
    #[autosurgeon(missing = "none")]
    pub children: Option<u64>,
}

impl Headcount {
    /// At least one participant, at most [`MAX_PARTICIPANTS`]; women and men together, and
    /// children, no more than all.
    pub fn check(&self) -> Result<(), ModelError> {
        if self.participants == 0 || self.participants > MAX_PARTICIPANTS {
            return Err(ModelError::field(
                "headcount.participants",
                format!("must be between 1 and {MAX_PARTICIPANTS}"),
            ));
        }
        let sexes = self.female.unwrap_or(0) + self.male.unwrap_or(0);
        if sexes > self.participants {
            return Err(ModelError::field(
                "headcount.female",
                format!(
                    "women and men ({sexes}) are more than all participants ({})",
                    self.participants
                ),
            ));
        }
        if self.children.unwrap_or(0) > self.participants {
            return Err(ModelError::field(
                "headcount.children",
                format!("more children than participants ({})", self.participants),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headcounts_add_up() {
        let h = |p, f, m, c| Headcount {
            participants: p,
            female: f,
            male: m,
            children: c,
        };
        assert!(h(12, Some(7), Some(5), Some(3)).check().is_ok());
        assert!(h(1, None, None, None).check().is_ok());
        for (bad, field) in [
            (h(0, None, None, None), "headcount.participants"),
            (h(5_001, None, None, None), "headcount.participants"),
            (h(10, Some(6), Some(5), None), "headcount.female"),
            (h(10, None, None, Some(11)), "headcount.children"),
        ] {
            let e = bad.check().unwrap_err();
            assert!(
                matches!(&e, ModelError::InvalidField { field: f, .. } if f == field),
                "{e}"
            );
        }
    }
}
