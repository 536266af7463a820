//! Deleting a session: gone only when the API says so twice. A `DELETE` answered with the API's own
//! 404 is confirmed by a read of the session's URL; a live session behind a 404 is deleted again.

use nac_api::wire::QosStatus;
use nac_client::{Deleted, NacClient};

/// How often a `DELETE` answered 404 while the session still reads live is sent again.
const DELETE_ATTEMPTS: usize = 3;

/// How a confirmed delete ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gone {
    /// The API deleted it.
    Deleted,
    /// The API said twice (the `DELETE` and a read) that there is no such session under this key.
    NotFound,
}

/// Deletes `id` and makes sure it is gone; an error (a message a person can act on) otherwise.
pub(super) async fn delete_confirmed(client: &NacClient, id: &str) -> Result<Gone, String> {
    for _ in 0..DELETE_ATTEMPTS {
        match client.delete_session(id).await.map_err(|e| e.to_string())? {
            Deleted::Deleted => return Ok(Gone::Deleted),
            Deleted::NotFound => match client.get_session(id).await {
                Ok(None) => return Ok(Gone::NotFound),
                Ok(Some(s)) if s.qos_status == QosStatus::Unavailable => return Ok(Gone::Deleted),
                Ok(Some(_)) => {
                    log::warn!(
                        "DELETE of QoS session {id} was answered 404 but the session still reads live; \
                         deleting it again"
                    );
                }
                Err(e) => {
                    return Err(format!(
                    "DELETE of session {id} was answered 404 (not found), and the read that would \
                         confirm it is gone failed: {e}. The session may still exist; nothing is \
                         removed from state. Run the command again"
                ))
                }
            },
        }
    }
    Err(format!(
        "DELETE of session {id} was answered 404 (not found) {DELETE_ATTEMPTS} times, but the session \
         still reads live at its own URL. It is kept in state; run `terraform destroy` again, or delete \
         it with the API and then `terraform state rm` this resource"
    ))
}
