//! `rhpc-kernel`: run the kernel, or install and uninstall its kernelspec.
//!
//! The same binary is also evcxr's cell process, evcxr's helpers and cargo's rustc wrapper
//! (which reuses compiled cells): those modes are detected from the environment before
//! anything else happens.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use rhpc_kernel::interpreter::evcxr::{DeferredStd, EvcxrInterpreter, StartOptions};
use rhpc_kernel::kernelspec::{self, Location};
use rhpc_kernel::{
    bridge, cell_cache, cell_process, history::History, interpreter, runtime_source, server,
    workspace,
};

/// The interrupt counter of this (cell) process, for code in cells to find with `dlsym`.
/// Exported by `build.rs`; see `cell_process::interrupts`.
#[unsafe(no_mangle)]
pub extern "C" fn rhpc_host_interrupts() -> *const AtomicU64 {
    cell_process::interrupt_counter()
}

#[derive(Parser)]
#[command(
    version,
    about = "A Jupyter kernel for Rust, with an HPC runtime (rhpc)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a kernel (Jupyter runs this with a connection file).
    Run {
        /// The connection file written by the Jupyter client.
        #[arg(long = "connection-file", short = 'f', value_name = "FILE")]
        connection_file_flag: Option<PathBuf>,
        /// The connection file, positionally.
        #[arg(value_name = "CONNECTION_FILE")]
        connection_file: Option<PathBuf>,
    },
    /// Install the kernelspec so Jupyter lists "Rust (rhpc)".
    Install {
        #[command(flatten)]
        location: LocationArgs,
        /// Kernel name (folder under kernels/).
        #[arg(long, default_value = kernelspec::DEFAULT_NAME)]
        name: String,
        /// Name shown in launchers.
        #[arg(long = "display-name", default_value = kernelspec::DEFAULT_DISPLAY_NAME)]
        display_name: String,
    },
    /// Remove an installed kernelspec.
    Uninstall {
        #[command(flatten)]
        location: LocationArgs,
        /// Kernel name (folder under kernels/).
        #[arg(long, default_value = kernelspec::DEFAULT_NAME)]
        name: String,
    },
}

#[derive(Args)]
#[group(multiple = false)]
struct LocationArgs {
    /// The user's Jupyter data directory (the default).
    #[arg(long)]
    user: bool,
    /// The active Python environment (virtualenv or conda).
    #[arg(long = "sys-prefix")]
    sys_prefix: bool,
    /// <DIR>/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
}

impl LocationArgs {
    fn location(&self) -> Location {
        match (&self.prefix, self.sys_prefix) {
            (Some(prefix), _) => Location::Prefix(prefix.clone()),
            (None, true) => Location::SysPrefix,
            (None, false) => Location::User,
        }
    }
}

fn main() -> ExitCode {
    cell_process::run_if_cell_process();
    cell_cache::run_if_rustc_wrapper();
    interpreter::evcxr::run_if_evcxr_helper();
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("RHPC_LOG", "warn"))
        .target(env_logger::Target::Stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rhpc-kernel: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            connection_file_flag,
            connection_file,
        } => {
            let path = connection_file_flag
                .or(connection_file)
                .context("a connection file is required: rhpc-kernel run <CONNECTION_FILE>")?;
            serve(&path)
        }
        Command::Install {
            location,
            name,
            display_name,
        } => {
            let executable =
                std::env::current_exe().context("cannot find this executable's path")?;
            let dir = kernelspec::install(&location.location(), &name, &display_name, &executable)?;
            println!("Installed kernelspec {name} in {}", dir.display());
            Ok(())
        }
        Command::Uninstall { location, name } => {
            let dir = kernelspec::uninstall(&location.location(), &name)?;
            println!("Removed kernelspec {name} from {}", dir.display());
            Ok(())
        }
    }
}

fn serve(connection_file: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(connection_file)
        .with_context(|| format!("cannot read {}", connection_file.display()))?;
    let info: jupyter_protocol::ConnectionInfo = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a connection file", connection_file.display()))?;
    // A persistent build directory for evcxr, so this session reuses what earlier ones
    // compiled (rhpc above all). Without one, evcxr uses a fresh temporary directory.
    let runtime = runtime_path();
    let build_dir = workspace::cache_root().and_then(|root| {
        match workspace::acquire(&root, runtime.as_deref()) {
            Ok(dir) => Some(dir),
            Err(error) => {
                log::warn!("no persistent build directory ({error}); builds start from scratch");
                None
            }
        }
    });
    let mut deferred_std = None;
    // SAFETY: no other threads exist yet. The cell process evcxr starts inherits both:
    // RHPC_KERNEL makes rhpc send rich output to the kernel instead of printing text.
    unsafe {
        std::env::set_var(bridge::ENV_MARKER, "1");
        if let Some(dir) = &build_dir {
            std::env::set_var("EVCXR_TMPDIR", dir.path());
            if let Some(libs) = workspace::toolchain_library_dir() {
                std::env::set_var("LD_LIBRARY_PATH", workspace::library_path_with(&libs));
                if let Some((rustc, cargo)) = workspace::toolchain_binaries(&libs) {
                    for (name, binary) in [("RUSTC", rustc), ("CARGO", cargo)] {
                        if std::env::var_os(name).is_none() {
                            std::env::set_var(name, binary);
                        }
                    }
                }
                if runtime.is_some() {
                    deferred_std = DeferredStd::install(dir.path(), &libs);
                }
            }
            match cell_cache::enable(dir.path()) {
                Some(cache) => log::info!("compiled cells are reused from {}", cache.display()),
                None => log::info!("reuse of compiled cells is off"),
            }
        }
    }
    let options = StartOptions {
        runtime,
        build_dir: build_dir.as_ref().map(|dir| dir.path().to_owned()),
        deferred_std,
    };

    let history = History::default_path()
        .map(|path| History::open(&path))
        .unwrap_or_else(History::in_memory);
    let interpreter = Arc::new(EvcxrInterpreter::start(options));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("rhpc-kernel-io")
        .build()
        .context("cannot start the async runtime")?;
    let shutdown = runtime.block_on(server::serve(&info, interpreter, history))?;
    drop(build_dir);
    log::info!("shutting down (restart requested: {})", shutdown.restart);
    // Blocking threads (a cell stuck in user code, say) must not keep the process alive.
    std::process::exit(0)
}

/// The rhpc crate every session gets: `$RHPC_RUNTIME_PATH` (`embedded` forces the copy
/// inside this binary), else the `runtime/` folder of the checkout this kernel was built from,
/// else the embedded copy, written under the cache directory.
fn runtime_path() -> Option<PathBuf> {
    let requested = std::env::var_os("RHPC_RUNTIME_PATH");
    if let Some(path) = requested.as_ref().filter(|p| *p != "embedded") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let built_from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    if requested.is_none()
        && let Ok(checkout) = built_from.canonicalize()
    {
        return Some(checkout);
    }
    let root = workspace::cache_root()?;
    match runtime_source::extract(&root) {
        Ok(path) => Some(path),
        Err(error) => {
            log::error!(
                "cannot write rhpc's embedded source under {}: {error}",
                root.display()
            );
            None
        }
    }
}
