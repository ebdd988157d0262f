//! One module per subcommand: an `Args` struct (clap) and `run(Args) -> anyhow::Result<()>`.

pub mod doctor;
pub mod info;
pub mod inspect;
pub mod replay;
pub mod sim;
