//! The organisation's people and laptops, for its coordinator (protocol version 4): who is
//! enrolled with which laptop and when it was last seen, one-time codes to enrol a new laptop,
//! a new person with a role, and revoking a lost or stolen laptop, which is refused from then
//! on and wipes its store at its next contact. All on the server, all logged; the server checks
//! that the asker is a coordinator and that the person or laptop is of their organisation.

use punkt_sync::access::ROLES;
use punkt_sync::wire::{EnrolCode, Team, MAX_CODE_HOURS};
use punkt_sync::{Request, Response};

use crate::error::{CoreError, Result};
use crate::sync::Transport;
use crate::Punkt;

/// The answer `pick` expects, or the error of a server that answered something else.
pub(crate) fn answer<T>(r: Response, pick: impl FnOnce(Response) -> Option<T>) -> Result<T> {
    pick(r).ok_or_else(|| CoreError::Sync("the server answered with something else".into()))
}

fn team_of(r: Response) -> Option<Team> {
    match r {
        Response::Team(t) => Some(t),
        _ => None,
    }
}

impl Punkt {
    pub fn team(&self, t: &mut dyn Transport) -> Result<Team> {
        answer(self.ask(t, &Request::Team)?, team_of)
    }

    /// Approve (or decline) what another coordinator asked for; returns the team as it is now.
    pub fn approve(&self, t: &mut dyn Transport, id: &str, approve: bool) -> Result<Team> {
        let req = Request::Approve {
            id: id.trim().to_string(),
            approve,
        };
        let mut team = answer(self.ask(t, &req)?, team_of)?;
        // A held code made at this approval is split here, like any code this laptop makes.
        if let Some(code) = team.issued.take() {
            team.issued = Some(self.split_enrol_code(t, code)?);
        }
        Ok(team)
    }

    /// Revoke one of the organisation's laptops; returns the team as it is now.
    pub fn revoke_device(&self, t: &mut dyn Transport, device_id: &str) -> Result<Team> {
        let req = Request::Revoke {
            device_id: device_id.trim().to_string(),
        };
        answer(self.ask(t, &req)?, team_of)
    }

    /// A one-time code for `user` to enrol a laptop with, valid for `hours`.
    pub fn enrol_code(&self, t: &mut dyn Transport, user: &str, hours: u32) -> Result<EnrolCode> {
        if hours == 0 || hours > MAX_CODE_HOURS {
            return Err(CoreError::Invalid(format!(
                "hours: a code is valid for 1 to {MAX_CODE_HOURS} hours"
            )));
        }
        let req = Request::EnrolCode {
            user: user.trim().to_string(),
            hours,
        };
        let code = answer(self.ask(t, &req)?, |r| match r {
            Response::EnrolCode(c) => Some(c),
            _ => None,
        })?;
        self.split_enrol_code(t, code)
    }

    /// Add a person to the organisation with `role`; returns the team as it is now.
    pub fn add_team_user(&self, t: &mut dyn Transport, name: &str, role: &str) -> Result<Team> {
        let name = name.trim();
        if name.is_empty() || name.len() > punkt_sync::wire::limits::MAX_NAME {
            return Err(CoreError::Invalid(
                "name: give the person's user name".into(),
            ));
        }
        if !ROLES.contains(&role) {
            return Err(CoreError::Invalid(format!(
                "role: one of {}",
                ROLES.join(", ")
            )));
        }
        let req = Request::AddUser {
            name: name.to_string(),
            role: role.to_string(),
        };
        answer(self.ask(t, &req)?, team_of)
    }
}
