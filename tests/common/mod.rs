pub mod edition;
pub mod pdf;
