//! Every path, spelled once (in the templates crate, which links to them too).

pub use templates::urls::*;
