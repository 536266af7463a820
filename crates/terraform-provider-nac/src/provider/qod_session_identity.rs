//! Resource identity of `nac_qod_session` (Terraform 1.12+): the session id, which is all the API needs
//! to find a session. Also the configuration `terraform query -generate-config-out` writes for one.

use tf_provider::schema::{AttributeType, Description};
use tf_provider::value::Value;
use tf_provider::{Diagnostics, Identity, IdentityAttribute, IdentitySchema};

use super::qod_session::SessionState;
use super::validation::root_error;

const ID: &str = "id";
/// Ids of creates whose outcome is not known yet start with this; they are not identities.
const PENDING_PREFIX: &str = "pending:";

pub fn identity_schema() -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: vec![IdentityAttribute {
            name: ID.to_string(),
            attr_type: AttributeType::String,
            required_for_import: true,
            optional_for_import: false,
            description: Description::markdown("The session id the API gave the QoS session."),
        }],
    }
}

/// `{ id = "<session id>" }` once the session exists; none for a planned create or an unfinished one.
pub fn identity_of(state: &SessionState) -> Option<Identity> {
    match &state.id {
        Value::Value(id) if !id.is_empty() && !id.starts_with(PENDING_PREFIX) => {
            Some(Identity::from([(ID.to_string(), id.clone().into())]))
        }
        _ => None,
    }
}

/// The session id an `import { identity = {...} }` block names.
pub fn id_of_identity(identity: &Identity, diags: &mut Diagnostics) -> Option<String> {
    match identity.get(ID).and_then(|v| v.as_str()) {
        Some(id) if !id.trim().is_empty() => Some(id.trim().to_string()),
        _ => {
            root_error(
                diags,
                "Cannot import the QoS session: its identity has no id",
                "Give the session id: `identity = { id = \"<session id>\" }`.",
            );
            None
        }
    }
}

/// The configuration of an imported session: what a person writes (profile, addresses, device,
/// ports, duration, sink), never what the API computes, so that it plans as an import and nothing
/// more. The duration is the session's current one, so the plan neither extends nor replaces it.
pub fn generated_config(state: SessionState) -> SessionState {
    SessionState {
        id: Value::Null,
        status: Value::Null,
        status_info: Value::Null,
        started_at: Value::Null,
        expires_at: Value::Null,
        total_duration: Value::Null,
        // The API never returns a sink's credential: the person adds it if the sink needs one.
        sink_credential: Value::Null,
        timeouts: Value::Null,
        adopt_existing: Value::Null,
        renew_before: Value::Null,
        on_renewal_limit: Value::Null,
        ..state
    }
}
