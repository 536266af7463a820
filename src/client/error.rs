/// An API call that failed, with what was tried and what the API said.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Other(String),
}
