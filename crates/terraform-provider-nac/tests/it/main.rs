//! The crate's integration tests, linked once as one binary: one module per area.

mod acceptance_lifecycle;
mod acceptance_validation;
mod acceptance_write_only;
mod camara_oauth;
mod camara_profiles;
mod camara_renewal_limit;
mod client_terraform_faults;
mod client_terraform_outage;
mod examples_plan;
mod logging_tf_log;
mod ownership_concurrency;
mod ownership_rules;
mod plugin_cancel;
mod plugin_mtls;
mod protocol_actions_extensions;
mod protocol_identity_query;
mod provider_batch_reads;
mod provider_interrupt;
mod provider_lost_delete;
mod provider_no_list;
mod provider_no_slack;
mod provider_other_credentials;
mod provider_qos_profiles;
mod provider_replacement;
mod provider_skewed_clock;
mod security_tf_log;
