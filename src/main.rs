use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = smartregion::cli::Cli::parse();
    match smartregion::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("smartregion: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
