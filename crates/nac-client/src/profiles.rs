//! CAMARA's QoS Profiles API (`<API root>/qos-profiles/v1`): the profiles a network offers, with their
//! status, rates and duration limits. NaC does not serve it, so "not served" is an answer of its own,
//! not an error: a gateway's 404 (no CAMARA body), 405 or 501. Both calls are reads, retried as any
//! read is.

use reqwest::Method;

use super::response::Shape;
use super::{ApiError, NacClient, Operation};
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
        let url = self.inner.http.profiles_url(&["retrieve-qos-profiles"]);
        self.post_read(
            Operation::RetrieveQosProfiles,
            url,
            filters,
            "the filters",
            |reply| {
                if reply.is_not_served() {
                    return Ok(Served::NotServed(reply.status));
                }
                reply
                    .json("a list of QoS profiles", Shape::Array)
                    .map(Served::Yes)
            },
        )
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
            reply
                .json("a QoS profile", Shape::Object)
                .map(|p| Served::Yes(Some(p)))
        })
        .await
    }
}
