//! The work behind each Terraform operation of `nac_qod_session` (refresh, destroy, import, the plan
//! of a create), run by the resource's trait methods under Ctrl-C (see interrupt.rs).

use super::*;

impl QodSessionResource {
    pub(super) async fn read_now(
        &self,
        diags: &mut Diagnostics,
        state: SessionState,
        private_state: Option<SessionPrivate>,
    ) -> Option<(SessionState, Option<SessionPrivate>)> {
        let client = self.client.get(diags)?;
        let id = session_id(&state, diags)?;
        if id.starts_with(PENDING) {
            let pending = pending_of(&id, diags)?;
            return match resolve_pending(client, self.client.claims(), &state, pending).await {
                Ok(Some(session)) => {
                    log::info!(
                        "the create whose outcome was unknown made session {}",
                        session.session_id
                    );
                    Some((refreshed_state(&state, &session), self.owned(private_state)))
                }
                Ok(None) => {
                    if let Some(message) = self.not_ours(&id, &private_state) {
                        root_error(
                            diags,
                            "The QoS session belongs to other credentials",
                            message,
                        );
                        return Some((state, private_state));
                    }
                    log::info!("the create whose outcome was unknown made no session; removing it from state");
                    None
                }
                Err(message) => {
                    // A warning, not an error: an error here would stop every other resource's plan,
                    // `terraform destroy` included. Its own destroy refuses to guess (see destroy).
                    warning(
                        diags,
                        "Cannot tell which session an unfinished create made",
                        format!("{message} Until then this resource is kept as it is; its destroy deletes nothing."),
                        AttributePath::root(),
                    );
                    Some((state, private_state))
                }
            };
        }
        if let Some(session) = self.read_cache.lookup(&self.client, &id).await {
            self.client.credentials_proven();
            self.client.claims().claim(&id);
            log::debug!(
                "refreshed QoS session {id} from the list: {}",
                session.qos_status.as_str()
            );
            let private = self.owned_if_unrecorded(private_state);
            return Some((refreshed_state(&state, &session), private));
        }
        // Without a served list, the sessions this resource remembers are fetched concurrently.
        if let (false, Some(p)) = (self.read_cache.list_served(), &private_state) {
            self.prefetch.start(client, &p.siblings);
        }
        // With a served list, a session missing from it is read with its own GET below.
        let prefetched = match self.read_cache.list_served() {
            true => None,
            false => self.prefetch.lookup(client, &id).await,
        };
        if let Some(session) = prefetched {
            self.client.credentials_proven();
            self.client.claims().claim(&id);
            let private = self.owned_if_unrecorded(private_state);
            return Some((refreshed_state(&state, &session), private));
        }
        match client.get_session(&id).await {
            Ok(Some(session)) => {
                self.client.credentials_proven();
                // Another resource of this process must never adopt it.
                self.client.claims().claim(&id);
                log::debug!(
                    "refreshed QoS session {id}: {}",
                    session.qos_status.as_str()
                );
                let private = self.owned_if_unrecorded(private_state);
                Some((refreshed_state(&state, &session), private))
            }
            Ok(None) if self.not_ours(&id, &private_state).is_some() => {
                let message = self.not_ours(&id, &private_state).unwrap_or_default();
                root_error(
                    diags,
                    "The QoS session belongs to other credentials",
                    message,
                );
                Some((state, private_state))
            }
            // Gone only when a second answer agrees: the device's sessions (never a list of all
            // sessions, which may be partial or stale).
            Ok(None) => match still_listed(client, &state, &id).await {
                // A session past its expiry that the API forgot is kept as ended (replaced by the
                // plan, with a warning); any other is gone from state.
                Ok(false) => super::super::qod_session_expiry::forgotten(&state, client.api_now())
                    .map(|ended| (ended, private_state)),
                Ok(true) => {
                    root_error(
                        diags,
                        "The API contradicts itself about the QoS session",
                        format!(
                            "Reading session {id} answered 404 NOT_FOUND, but the device's sessions still list it \
                             as live. It is kept in state; run the plan again."
                        ),
                    );
                    Some((state, private_state))
                }
                Err(e) => {
                    root_error(
                        diags,
                        "Failed to confirm that the QoS session is gone",
                        format!(
                            "Reading session {id} answered 404 NOT_FOUND, and listing the device's sessions to \
                             confirm it failed: {e}. It is kept in state."
                        ),
                    );
                    Some((state, private_state))
                }
            },
            Err(e) => {
                root_error(diags, "Failed to read the QoS session", e.to_string());
                Some((state, private_state))
            }
        }
    }

    pub(super) async fn destroy_now(
        &self,
        diags: &mut Diagnostics,
        prior_state: SessionState,
        // plan_destroy passes the prior private state on.
        prior_private_state: Option<SessionPrivate>,
    ) -> Option<()> {
        let client = self.client.get(diags)?;
        let mut id = session_id(&prior_state, diags)?;
        if id.starts_with(PENDING) {
            let pending = pending_of(&id, diags)?;
            match resolve_pending(client, self.client.claims(), &prior_state, pending).await {
                Ok(Some(session)) => id = session.session_id,
                Ok(None) => {
                    if let Some(message) = self.not_ours(&id, &prior_private_state) {
                        root_error(
                            diags,
                            "The QoS session belongs to other credentials; nothing was deleted",
                            message,
                        );
                        return None;
                    }
                    return Some(());
                }
                Err(message) => {
                    // Deleting a guess could delete another configuration's session: stop instead.
                    root_error(
                        diags,
                        "Cannot tell which session an unfinished create made; nothing was deleted",
                        message,
                    );
                    return None;
                }
            }
        }
        match delete::delete_confirmed(client, &id).await {
            Ok(delete::Gone::Deleted) => {
                log::info!("deleted QoS session {id}");
                Some(())
            }
            Ok(delete::Gone::NotFound) if self.not_ours(&id, &prior_private_state).is_some() => {
                let message = self.not_ours(&id, &prior_private_state).unwrap_or_default();
                root_error(
                    diags,
                    "The QoS session belongs to other credentials; nothing was deleted",
                    message,
                );
                None
            }
            Ok(delete::Gone::NotFound) => {
                log::info!("QoS session {id} was already gone (the DELETE and a read agree)");
                Some(())
            }
            Err(message) => {
                root_error(diags, "Failed to delete the QoS session", message);
                None
            }
        }
    }

    pub(super) async fn import_now(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(SessionState, Option<SessionPrivate>)> {
        let client = self.client.get(diags)?;
        let id = id.trim().to_string();
        if self.client.claims().is_claimed(&id) {
            root_error(
                diags,
                "Cannot import the QoS session",
                format!(
                    "Session {id} is already managed by another resource of this configuration."
                ),
            );
            return None;
        }
        match client.get_session(&id).await {
            Ok(Some(session)) => {
                self.client.claims().claim(&id);
                let state = refreshed_state(&SessionState::default(), &session);
                let private = SessionPrivate {
                    sink_credential_unverified: session.sink.is_some(),
                    ..Default::default()
                };
                log::info!("imported QoS session {id}");
                Some((state, self.with_siblings(self.owned(Some(private)))))
            }
            Ok(None) => {
                root_error(
                    diags,
                    "Cannot import the QoS session",
                    format!("The API has no QoS session with id {id:?} (404)."),
                );
                None
            }
            Err(e) => {
                root_error(diags, "Cannot import the QoS session", e.to_string());
                None
            }
        }
    }

    pub(super) async fn plan_create_now(
        &self,
        diags: &mut Diagnostics,
        proposed_state: SessionState,
        config_state: SessionState,
    ) -> Option<(SessionState, Option<SessionPrivate>)> {
        let problems = config_problems(&config_state);
        report_all(&problems, diags);
        // A configuration that fails anyway needs no request.
        if !problems.is_empty() {
            return None;
        }
        if let Err(message) = self.client.check_credentials().await {
            root_error(
                diags,
                "The API does not accept the provider's credentials",
                message,
            );
            return None;
        }
        let mut planned = proposed_state;
        if config_state.duration.is_null() {
            planned.duration = Value::Value(Whole::Int(DEFAULT_DURATION));
        }
        if !self.check_profile(&planned, diags).await {
            return None;
        }
        set_computed_unknown(&mut planned);
        Some((planned, None))
    }
}
