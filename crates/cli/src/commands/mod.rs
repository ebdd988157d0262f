//! One module per subcommand: an `Args` struct (clap) and `run(Args) -> anyhow::Result<()>`.

pub mod bench;
mod bench_plots;
mod bench_print;
pub mod doctor;
pub mod drives;
pub mod eval;
pub mod info;
pub mod inspect;
pub mod models;
pub mod replay;
pub mod sim;
