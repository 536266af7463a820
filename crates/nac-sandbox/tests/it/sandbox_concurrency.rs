//! Many clients at once: thousands of sessions created and deleted from many tasks, none lost, none
//! duplicated.

use std::collections::HashSet;
use std::sync::Arc;

use nac_testkit::api::*;
use reqwest::StatusCode;

const TASKS: usize = 32;
const PER_TASK: usize = 125; // 4,000 sessions

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_creates_and_deletes_lose_and_duplicate_nothing() {
    let h = Arc::new(start().await);
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            let mut kept = Vec::new();
            let mut deleted = Vec::new();
            for i in 0..PER_TASK {
                let phone = format!("+3670{t:03}{i:04}");
                let created = h.create(&create_body(&phone)).await;
                let id = created["sessionId"].as_str().unwrap().to_owned();
                assert_eq!(created["device"]["phoneNumber"], phone.as_str());
                // Every other session is deleted again, interleaved with the other tasks' creates.
                if i % 2 == 0 {
                    let r = h.delete(&id).await;
                    assert_eq!(r.status(), StatusCode::NO_CONTENT);
                    deleted.push(id);
                } else {
                    kept.push((id, phone));
                }
            }
            (kept, deleted)
        }));
    }
    let mut kept = Vec::new();
    let mut deleted = Vec::new();
    for task in tasks {
        let (k, d) = task.await.unwrap();
        kept.extend(k);
        deleted.extend(d);
    }
    let total = TASKS * PER_TASK;
    let all_ids: HashSet<&String> = kept
        .iter()
        .map(|(id, _)| id)
        .chain(deleted.iter())
        .collect();
    assert_eq!(all_ids.len(), total, "every create got its own id");

    let held = h.admin.sessions_json().await;
    let held_ids: HashSet<String> = held
        .iter()
        .map(|s| s["sessionId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(held.len(), held_ids.len(), "no duplicates");
    let kept_ids: HashSet<String> = kept.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(held_ids, kept_ids, "exactly the sessions not deleted");

    // Each kept session is found by id and by its device, with its own device.
    for (id, phone) in kept.iter().step_by(25) {
        let (status, s) = h.get(id).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(s["device"]["phoneNumber"], phone.as_str());
        let (status, list) = h
            .retrieve(&serde_json::json!({"device": {"phoneNumber": phone}}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
    }
    let stats = h.admin.stats_json().await;
    assert_eq!(stats["sessions_created"], total);
    eprintln!(
        "{total} created, {} deleted, {} held",
        deleted.len(),
        held.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deletes_of_one_session_succeed_exactly_once() {
    let h = Arc::new(start().await);
    for round in 0..20 {
        let id = h.create(&create_body(&format!("+36800{round:05}"))).await["sessionId"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (h, id) = (h.clone(), id.clone());
            tasks.push(tokio::spawn(async move { h.delete(&id).await.status() }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::NO_CONTENT)
                .count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::NOT_FOUND)
                .count(),
            7,
            "{statuses:?}"
        );
    }
    assert!(h.admin.sessions_json().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_with_a_state_file_are_all_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.state_file = Some(dir.path().join("state.json"));
    let h = Arc::new(start_with(cfg.clone()).await);
    let mut tasks = Vec::new();
    for t in 0..16 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..25 {
                ids.push(
                    h.create(&create_body(&format!("+3690{t:03}{i:03}"))).await["sessionId"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
            ids
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    // Dropped without shutdown (no final write): every answered create is in the file (group commit).
    drop(Arc::into_inner(h).expect("the only handle"));
    let disk_ids: HashSet<String> = loop {
        // The file is released once the aborted tasks have dropped it.
        match redb::Database::builder().open_read_only(dir.path().join("state.json")) {
            Ok(db) => {
                use redb::{ReadableDatabase, ReadableTable};
                let table: redb::TableDefinition<u128, &[u8]> =
                    redb::TableDefinition::new("sessions");
                let tx = db.begin_read().unwrap();
                let t = tx.open_table(table).unwrap();
                break t
                    .iter()
                    .unwrap()
                    .map(|e| uuid::Uuid::from_u128(e.unwrap().0.value()).to_string())
                    .collect();
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    let missing: Vec<_> = ids.difference(&disk_ids).collect();
    let extra: Vec<_> = disk_ids.difference(&ids).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} answered, {} on disk; missing {missing:?}, extra {extra:?}",
        ids.len(),
        disk_ids.len()
    );
}
