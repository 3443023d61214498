pub mod apparatus;
pub mod edition;
pub mod pdf;
pub mod snapshot;
