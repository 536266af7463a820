//! The NaC Quality-on-Demand API model shared by the client and the sandbox: the wire types and the
//! API's rules. Nothing here does I/O.

pub mod device;
pub mod profiles;
pub mod protocol;
pub mod rules;
pub mod wire;
