//! CAMARA's QoS Profiles API (`<API root>/qos-profiles/v1`): the profiles a network offers, with their
//! status, rates and duration limits. NaC does not serve it, so "not served" is an answer of its own,
//! not an error: a gateway's 404 (no CAMARA body), 405 or 501. Both calls are reads, retried as any
//! read is.

use reqwest::Method;

use super::http::Failure;
use super::response::{parse_json, Shape};
use super::{ApiError, CallInfo, NacClient, Operation};
use nac_api::profiles::{QosProfile, RetrieveQosProfiles};

/// What the network answered about its QoS profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served<T> {
    /// The API answered.
    Yes(T),
    /// The network does not serve the QoS Profiles API (the HTTP status that said so).
    NotServed(u16),
}

impl NacClient {
    /// `POST /qos-profiles/v1/retrieve-qos-profiles` with the given filters (`{}` for every profile).
    pub async fn retrieve_qos_profiles(
        &self,
        filters: &RetrieveQosProfiles,
    ) -> Result<Served<Vec<QosProfile>>, ApiError> {
        let call = CallInfo {
            operation: Operation::RetrieveQosProfiles,
            session_id: String::new(),
        };
        let body = serde_json::to_vec(filters).map_err(|e| ApiError::InvalidInput {
            call: call.clone(),
            message: format!("the filters cannot be encoded as JSON: {e}"),
        })?;
        let url = self.inner.http.profiles_url(&["retrieve-qos-profiles"]);
        self.retrying(call, || async {
            let reply = self
                .inner
                .http
                .send(
                    Method::POST,
                    url.clone(),
                    Some(body.clone()),
                    &self.inner.redactor,
                )
                .await?;
            if reply.is_not_served() {
                return Ok(Served::NotServed(reply.status));
            }
            let reply = reply.into_success()?;
            parse_json(
                &reply.body,
                reply.content_type.as_deref(),
                "a list of QoS profiles",
                Shape::Array,
            )
            .map(Served::Yes)
            .map_err(|detail| Failure::Invalid {
                status: reply.status,
                detail,
            })
        })
        .await
    }

    /// `GET /qos-profiles/v1/qos-profiles/{name}`; `Yes(None)` when the API says there is no such
    /// profile (its own 404 `NOT_FOUND`).
    pub async fn get_qos_profile(
        &self,
        name: &str,
    ) -> Result<Served<Option<QosProfile>>, ApiError> {
        let call = self.call(Operation::GetQosProfile, name)?;
        let url = self.inner.http.profiles_url(&["qos-profiles", name]);
        self.retrying(call, || async {
            let reply = self
                .inner
                .http
                .send(Method::GET, url.clone(), None, &self.inner.redactor)
                .await?;
            if reply.is_session_not_found() {
                return Ok(Served::Yes(None));
            }
            if reply.is_not_served() {
                return Ok(Served::NotServed(reply.status));
            }
            let reply = reply.into_success()?;
            parse_json(
                &reply.body,
                reply.content_type.as_deref(),
                "a QoS profile",
                Shape::Object,
            )
            .map(|p| Served::Yes(Some(p)))
            .map_err(|detail| Failure::Invalid {
                status: reply.status,
                detail,
            })
        })
        .await
    }
}
