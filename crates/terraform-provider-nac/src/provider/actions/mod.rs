//! Actions (Terraform 1.14+): operations run now by `terraform apply -invoke=action.<type>.<name>` or
//! a resource's `action_trigger`, not changes of a resource's desired state.

mod qod_session_extend;

use std::collections::HashMap;

use tf_provider::DynamicAction;

use super::SharedClient;

pub fn all(client: &SharedClient) -> HashMap<String, Box<dyn DynamicAction>> {
    HashMap::from([(
        "qod_session_extend".to_string(),
        Box::new(qod_session_extend::ExtendAction::new(client.clone())) as Box<dyn DynamicAction>,
    )])
}
