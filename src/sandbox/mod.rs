//! nac-sandbox (filled in by the sandbox work).
