//! Shell integration: the prompt segment (`awsrun prompt` and the hooks that show it), shell
//! completions and man pages. One file per concern.

pub mod completions;
pub mod hook;
pub mod man;
pub mod prompt;
pub mod segment;
