//! Streams: watch resume and 410 re-list, logs with tailLines and follow,
//! port-forward to a notebook pod.

mod common;

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, LogParams, PostParams, WatchEvent, WatchParams};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"a": "b"}})).expect("cm")
}

#[tokio::test]
async fn watch_resumes_and_gets_410_after_compaction() {
    let (emu, client) = common::start(1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    cms.create(&PostParams::default(), &cm("one"))
        .await
        .expect("create");
    cms.create(&PostParams::default(), &cm("two"))
        .await
        .expect("create");

    // Resuming from the list's resourceVersion replays both creations.
    let mut stream = cms
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    let mut names = Vec::new();
    while names.len() < 2 {
        let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .expect("timely")
            .expect("ok");
        if let Some(WatchEvent::Added(o)) = ev {
            names.push(o.metadata.name.unwrap_or_default());
        }
    }
    assert_eq!(names, ["one", "two"]);
    drop(stream);

    // After compaction the old resourceVersion is gone: 410, so re-list.
    emu.faults().compact_history();
    let mut stream = cms
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .expect("timely")
        .expect("ok");
    match ev {
        Some(WatchEvent::Error(e)) => assert_eq!(e.code, 410),
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
    let relisted = cms.list(&ListParams::default()).await.expect("re-list");
    assert!(
        relisted
            .items
            .iter()
            .any(|c| c.metadata.name.as_deref() == Some("two"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn logs_tail_and_follow() {
    let (emu, client) = common::start(20.0).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-research");
    let lp = LogParams {
        tail_lines: Some(5),
        container: Some("jupyter-alice".into()),
        ..LogParams::default()
    };
    let text = pods.logs("jupyter-alice-0", &lp).await.expect("logs");
    assert_eq!(text.lines().count(), 5, "{text}");

    let lp = LogParams {
        follow: true,
        tail_lines: Some(1),
        container: Some("jupyter-alice".into()),
        ..LogParams::default()
    };
    let mut lines = pods
        .log_stream("jupyter-alice-0", &lp)
        .await
        .expect("follow")
        .lines();
    let mut got = 0;
    while got < 3 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next())
            .await
            .expect("a followed line in time");
        assert!(line.is_some());
        got += 1;
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn port_forward_reaches_the_notebook() {
    let (emu, client) = common::start(1.0).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-research");
    let mut pf = pods
        .portforward("jupyter-alice-0", &[8888])
        .await
        .expect("portforward");
    let mut stream = pf.take_stream(8888).expect("stream");
    stream
        .write_all(b"GET /notebook/ml-research/jupyter-alice/lab HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf))
        .await
        .expect("timely")
        .expect("read");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("jupyter-alice"), "{text}");
    drop(stream);
    pf.abort();
    emu.shutdown().await;
}

#[tokio::test]
async fn bookmarks_timeouts_and_faults() {
    let (emu, client) = common::start(50.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");

    // Bookmarks arrive on a quiet watch; timeoutSeconds ends it.
    let wp = WatchParams::default().timeout(2);
    let started = std::time::Instant::now();
    let mut stream = cms.watch(&wp, &rv).await.expect("watch").boxed();
    let mut bookmarks = 0;
    while let Some(ev) = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .expect("ends in time")
        .expect("ok")
    {
        if matches!(ev, WatchEvent::Bookmark(_)) {
            bookmarks += 1;
        }
    }
    assert!(bookmarks > 0, "no bookmarks");
    assert!(started.elapsed() < Duration::from_secs(4));

    // Dropped watches end; the client re-watches.
    let mut stream = cms
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    tokio::time::sleep(Duration::from_millis(100)).await;
    emu.faults().drop_watches();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.try_next().await {}
    })
    .await;
    assert!(end.is_ok(), "dropped watch did not end");

    // Injected 500s for a while, then normal service.
    emu.faults().fail_requests(500, Duration::from_millis(300));
    let err = cms
        .list(&ListParams::default())
        .await
        .expect_err("injected failure");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 500),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    cms.list(&ListParams::default()).await.expect("recovered");

    emu.faults()
        .add_latency(Duration::from_millis(200), Duration::from_secs(5));
    let t = std::time::Instant::now();
    cms.list(&ListParams::default()).await.expect("slow list");
    assert!(t.elapsed() >= Duration::from_millis(200));
    emu.faults().clear();
    let t = std::time::Instant::now();
    cms.list(&ListParams::default()).await.expect("fast list");
    assert!(t.elapsed() < Duration::from_millis(200));
    emu.shutdown().await;
}
