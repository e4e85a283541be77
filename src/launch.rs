//! From command line to running UI: logging, config, cluster connection (or
//! the embedded demo cluster), terminal, runtime. Problems found before the
//! terminal is taken over are printed as one line with exit code 1.

use std::process::ExitCode;

use clap::Parser;
use kube::config::Kubeconfig;

use crate::app::config::Config;
use crate::app::keymap::Keymap;
use crate::app::paths::Paths;
use crate::app::persist::Saved;
use crate::app::runtime::Runtime;
use crate::app::state::{Connection, Notice, Scope, State};
use crate::app::theme::Theme;
use crate::cli::{Cli, Cmd};
use crate::kube::client::{self, ConnectError};
use crate::views::registry;

/// The binary's `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_none()
        && let Some(missing) = missing_terminal()
    {
        eprintln!(
            "kftui needs an interactive terminal; {missing} is not one (run it from a terminal, over ssh with -t)"
        );
        return ExitCode::from(2);
    }
    crate::app::runtime::tune_allocator();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kftui: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(Cmd::Launch(args)) = &cli.command {
        let code = rt.block_on(crate::submit::main(&cli, args));
        rt.shutdown_background();
        return code;
    }
    let result = rt.block_on(async move {
        match cli.command {
            Some(Cmd::Sim(ref args)) => kftui_emulator::run_sim(args.clone()).await,
            Some(Cmd::Launch(_)) => Ok(()),
            None => run_tui(cli).await,
        }
    });
    // Tasks still running (watches, emulator) are dropped without waiting.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kftui: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Which of stdin and stdout is not a terminal, if one is not: the UI
/// needs both, and says so before anything starts.
fn missing_terminal() -> Option<&'static str> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        Some("standard input")
    } else if !std::io::stdout().is_terminal() {
        Some("standard output")
    } else {
        None
    }
}

/// The cluster kftui starts with.
struct Start {
    kubeconfig: Option<Kubeconfig>,
    client: Option<crate::kube::client::KubeClient>,
    connection: Connection,
    /// The demo cluster is still to be started (in the background).
    demo: bool,
}

async fn connect(cli: &Cli) -> anyhow::Result<Start> {
    if cli.demo {
        // The demo cluster starts behind the first frame (see `start_demo`).
        return Ok(Start {
            kubeconfig: None,
            client: None,
            connection: Connection::Connecting,
            demo: true,
        });
    }
    let kubeconfig = match client::load_kubeconfig(cli.kubeconfig.as_deref()) {
        Ok(k) => k,
        // With no kubeconfig at all, start anyway: the ONNX pane needs no cluster.
        Err(ConnectError::NoKubeconfig) => {
            return Ok(Start {
                kubeconfig: None,
                client: None,
                connection: Connection::Offline(ConnectError::NoKubeconfig.to_string()),
                demo: false,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let (client, info) = client::connect(&kubeconfig, cli.context.as_deref()).await?;
    Ok(Start {
        kubeconfig: Some(kubeconfig),
        client: Some(client),
        connection: Connection::Connected(info),
        demo: false,
    })
}

async fn run_tui(cli: Cli) -> anyhow::Result<()> {
    let paths = Paths::discover();
    let _log_guard = match &paths {
        Some(p) => match crate::app::logging::init(&p.log_dir, &cli.log_level) {
            Ok(g) => Some(g),
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot write logs to {}: {e:#}",
                    p.log_dir.display()
                ));
            }
        },
        None => None,
    };
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "kftui starting");
    let config_path = cli
        .config
        .clone()
        .or_else(|| paths.as_ref().map(|p| p.config_file.clone()));
    let (mut config, config_error) = match &config_path {
        Some(p) => Config::load(p),
        None => (Config::default(), None),
    };
    if let (Some(p), true) = (
        &cli.config,
        cli.config.as_ref().is_some_and(|p| !p.exists()),
    ) {
        return Err(anyhow::anyhow!(
            "config file {} does not exist",
            p.display()
        ));
    }
    if let Some(lib) = &cli.ort_lib {
        config.onnx.runtime_library = Some(lib.clone());
    }
    let mut keymap = Keymap::defaults();
    let keymap_errors = keymap.apply(&config.keymap);

    // Everything that can fail with a plain message happens before the
    // terminal is taken over.
    let start = connect(&cli).await?;
    let saved = paths
        .as_ref()
        .map(|p| Saved::load(&p.state_file()))
        .unwrap_or_default();

    let mut theme = Theme::new(config.ui.theme, Theme::no_color_from_env());
    theme.ascii = Theme::ascii_from_env();
    let screen = cli
        .view
        .clone()
        .or_else(|| saved.view.clone())
        .unwrap_or_else(|| config.ui.default_view.clone());
    let root = match registry::open(&screen, None) {
        Some(Ok(v)) => v,
        _ => match registry::open(&config.ui.default_view, None) {
            Some(Ok(v)) => v,
            _ => registry::open("pods", None)
                .and_then(Result::ok)
                .ok_or_else(|| anyhow::anyhow!("no start screen"))?,
        },
    };
    let mut state = State::new(root, config, keymap, theme);
    state.history = saved.history.clone();
    state.recent_namespaces = saved.recent_namespaces.clone();
    if cli.readonly {
        state.readonly = Some("read-only (--readonly)".into());
    }
    let context = match &start.connection {
        Connection::Connected(c) => Some(c.context.clone()),
        _ if start.demo => Some(kftui_emulator::DemoUser::Admin.context().to_string()),
        _ => None,
    };
    let same_context = context.is_some() && saved.context == context;
    state.scope = if cli.all_namespaces {
        Scope::All
    } else if let Some(ns) = &cli.namespace {
        Scope::Namespace(ns.clone())
    } else if same_context && saved.all_namespaces {
        Scope::All
    } else if let (true, Some(ns)) = (same_context, &saved.namespace) {
        Scope::Namespace(ns.clone())
    } else {
        match &start.connection {
            Connection::Connected(c) => Scope::Namespace(c.namespace.clone()),
            // Filled in with the cluster's namespace once connected.
            Connection::Connecting => Scope::Namespace(String::new()),
            _ => Scope::Namespace("default".into()),
        }
    };
    state.connection = start.connection.clone();
    if let Some(e) = config_error {
        state.notice = Some(Notice::error(format!("{e} (using defaults)")));
    } else if let Some(e) = keymap_errors.first() {
        state.notice = Some(Notice::error(format!("config: {e}")));
    }
    if let Some(paths) = &paths {
        state.drafts = crate::app::persist::load_drafts(&paths.drafts_dir());
    }

    let mut runtime = Runtime::new(
        start.client.clone(),
        start.kubeconfig.clone(),
        paths.clone(),
    );
    if start.demo {
        runtime.connect_in_background(start_demo());
    }
    crate::app::sources::spawn_terminal_input(runtime.sender());
    crate::app::sources::spawn_signals(runtime.sender());
    let (mut terminal, guard) = crate::app::terminal::enter()?;
    if let Ok(size) = terminal.size() {
        state.size = (size.width, size.height);
    }
    let result = runtime.run(&mut terminal, &mut state).await;
    drop(terminal);
    drop(guard);
    result.map_err(|e| anyhow::anyhow!("terminal: {e}"))
}

/// Starts the embedded demo cluster and connects to it; the emulator lives as
/// long as the runtime.
async fn start_demo() -> crate::app::runtime::ClientResult {
    let emulator = kftui_emulator::Emulator::start(kftui_emulator::EmulatorConfig::default())
        .await
        .map_err(|e| format!("cannot start the demo cluster: {e:#}"))?;
    let kubeconfig = emulator.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(crate::app::runtime::Connected {
        client,
        info,
        kubeconfig: Some(kubeconfig),
        keep: Some(Box::new(emulator)),
    })
}
