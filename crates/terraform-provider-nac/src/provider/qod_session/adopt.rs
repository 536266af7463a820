//! A create the API refused with 409 (the device already has a session): say what is there and how to
//! take it over, or take it over when the configuration asks for that (`adopt_existing`) and it matches.

use super::attrs;
use nac_api::wire::{CreateField, CreateSession, QosStatus, SessionInfo};
use nac_client::{describe_sessions, differences, ApiError, NacClient};

use crate::provider::claims::Claims;

/// How to bring an existing session under this resource, for messages.
pub(super) fn import_hint(ids: &[&str], resource_in_state: bool) -> String {
    let first = if resource_in_state {
        "`terraform state rm nac_qod_session.<NAME>` (this resource), then "
    } else {
        ""
    };
    match ids {
        [] => String::new(),
        [id] => format!(
            "To manage session {id} with this resource: {first}`terraform import nac_qod_session.<NAME> {id}`, \
             or an import block: `import {{ to = nac_qod_session.<NAME>  id = \"{id}\" }}`."
        ),
        ids => format!(
            "To manage the right one with this resource: {first}`terraform import nac_qod_session.<NAME> <ID>` \
             with one of {}, or an import block `import {{ to = nac_qod_session.<NAME>  id = \"<ID>\" }}`. The \
             others may belong to another configuration: delete none of them before checking.",
            ids.join(", ")
        ),
    }
}

/// What a refused create leads to.
pub(super) enum Conflict {
    /// `adopt_existing` is set and the device's one live session is what the configuration asks for.
    Adopted(Box<SessionInfo>),
    /// An error message a person can act on.
    Refused(String),
}

/// Looks at the device's sessions after a 409 and takes the live one over when `adopt` allows it and it
/// matches exactly; otherwise says what is there, what differs, and how to import it.
pub(super) async fn on_conflict(
    client: &NacClient,
    claims: &Claims,
    request: &CreateSession,
    error: &ApiError,
    adopt: bool,
) -> Conflict {
    let device = request.device.clone().unwrap_or_default();
    let live: Vec<SessionInfo> = match client.device_sessions(&device).await {
        Ok(sessions) => sessions
            .into_iter()
            .filter(|s| s.qos_status != QosStatus::Unavailable)
            .collect(),
        Err(lookup) => {
            return Conflict::Refused(format!(
                "{error}. The device already has a session, and listing its sessions to name it failed: \
                 {lookup}. List them with the data source nac_device_sessions, then import the one to \
                 manage: `terraform import nac_qod_session.<NAME> <ID>`."
            ))
        }
    };
    if live.is_empty() {
        return Conflict::Refused(format!(
            "{error}. The device has no live session any more (it may just have ended): apply again."
        ));
    }
    let held: Vec<&SessionInfo> = live
        .iter()
        .filter(|s| claims.is_claimed(&s.session_id))
        .collect();
    if held.len() == live.len() {
        // Every live session of the device belongs to this configuration: most likely the one this
        // resource replaces, with create_before_destroy. Importing it would be wrong advice.
        let ids: Vec<&str> = held.iter().map(|s| s.session_id.as_str()).collect();
        return Conflict::Refused(format!(
            "{error}. The device's live session ({}) is held by a resource of this configuration, \
             most likely the session this resource replaces. NaC allows one live session per device, so \
             with `lifecycle {{ create_before_destroy = true }}` the replacement can never be created \
             before the old session is deleted: remove create_before_destroy from this resource (the \
             default replacement deletes first), or give the replacement another device.",
            ids.join(", ")
        ));
    }
    let mut why_not = String::new();
    if let [existing] = live.as_slice() {
        let differ = differences(request, existing);
        if differ.is_empty() {
            if adopt {
                claims.claim(&existing.session_id);
                log::warn!(
                    "the device already has session {} matching the configuration: adopted (adopt_existing)",
                    existing.session_id
                );
                return Conflict::Adopted(Box::new(existing.clone()));
            }
            why_not = " It matches this configuration exactly: set `adopt_existing = true` on the \
                       resource to take it over, or import it."
                .into();
        } else {
            why_not = format!(
                " It differs from this configuration in {}, so {}.",
                describe_differences(&differ, existing),
                if adopt {
                    "adopt_existing does not take it over"
                } else {
                    "adopt_existing would not take it over either"
                }
            );
        }
    }
    let ids: Vec<&str> = live.iter().map(|s| s.session_id.as_str()).collect();
    Conflict::Refused(format!(
        "{error}. The device already has {}: {}.{why_not} {}",
        if live.len() == 1 {
            "a session".to_string()
        } else {
            format!("{} sessions", live.len())
        },
        describe_sessions(&live),
        import_hint(&ids, false)
    ))
}

/// The differing request fields as the resource's attributes, with the session's values.
fn describe_differences(fields: &[CreateField], session: &SessionInfo) -> String {
    let text = |v: Option<&str>| format!("{:?}", v.unwrap_or("none"));
    fields
        .iter()
        .map(|&field| {
            let name = attrs::by_wire(field).hcl;
            let value = match field {
                CreateField::QosProfile => Some(format!("{:?}", session.qos_profile)),
                CreateField::Duration => Some(format!("{} s", session.duration)),
                CreateField::ApplicationServerIpv4 => {
                    Some(text(session.application_server.ipv4_address.as_deref()))
                }
                CreateField::ApplicationServerIpv6 => {
                    Some(text(session.application_server.ipv6_address.as_deref()))
                }
                CreateField::Sink => Some(text(session.sink.as_deref())),
                CreateField::Device
                | CreateField::ApplicationServerPorts
                | CreateField::DevicePorts => None,
            };
            match value {
                Some(value) => format!("{name} (the session has {value})"),
                None => name.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
