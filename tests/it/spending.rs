//! Spending through the binary (SPEC §3, §6, §7; issue 4): generate, edit,
//! train and license, the images they make and the rights those images have,
//! and the burn-down order seen from `balance --json` and `history --json`.

use serde_json::Value;

use crate::support::{Wallet, lots, pricing_with};

const T0: &str = "2026-01-15T10:00:00Z";

/// The default edit costs of the shipped pricing.toml, in SPEC §6 order.
const EDIT_COSTS: [(&str, u64); 7] = [
    ("instruct", 2),
    ("replace", 2),
    ("recreate", 2),
    ("erase", 1),
    ("upscale", 4),
    ("remove-background", 2),
    ("vectorize", 5),
];

/// A wallet at `T0` with the given accounts (10 signup credits each).
fn wallet_with(accounts: &[&str]) -> Wallet {
    let w = Wallet::at(T0);
    for a in accounts {
        w.ok(&["account", "add", a]);
    }
    w
}

/// `generate --json`: (image ids, `credits_spent`).
#[track_caller]
fn generate(w: &Wallet, args: &[&str]) -> (Vec<String>, u64) {
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    let v = w.json(&all);
    let obj = v.as_object().expect("generate --json prints an object");
    assert_eq!(
        obj.keys().map(String::as_str).collect::<Vec<_>>(),
        ["credits_spent", "images"],
        "generate --json keys: {v}"
    );
    let images = v["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i.as_str().expect("image id").to_owned())
        .collect();
    (images, v["credits_spent"].as_u64().expect("credits_spent"))
}

fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("img-{n}")).collect()
}

/// `images ACCOUNT --json`.
#[track_caller]
fn images(w: &Wallet, account: &str) -> Vec<Value> {
    w.json(&["images", account])
        .as_array()
        .expect("images --json is an array")
        .clone()
}

/// One image of `images ACCOUNT --json`.
#[track_caller]
fn image(w: &Wallet, account: &str, id: &str) -> Value {
    images(w, account)
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in `images {account}`"))
}

fn image_ids(w: &Wallet, account: &str) -> Vec<String> {
    images(w, account)
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

fn edit_ops(img: &Value) -> Vec<String> {
    img["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| e["op"].as_str().expect("op").to_owned())
        .collect()
}

/// The lots of `balance ACCOUNT --json` as sorted (source, asset, remaining, `expires_at`).
fn sorted_lots(w: &Wallet, account: &str) -> Vec<(String, String, u64, String)> {
    let mut l = lots(&w.json(&["balance", account]));
    l.sort();
    l
}

fn lot(source: &str, asset: &str, remaining: u64, expires_at: &str) -> (String, String, u64, String) {
    (source.to_owned(), asset.to_owned(), remaining, expires_at.to_owned())
}

/// The id of the account's one lot with this source and asset.
#[track_caller]
fn lot_id(balance: &Value, source: &str, asset: &str) -> i64 {
    let found: Vec<i64> = balance["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .filter(|l| l["source"] == source && l["asset"] == asset)
        .map(|l| l["id"].as_i64().expect("lot id"))
        .collect();
    assert_eq!(found.len(), 1, "one {source} {asset} lot expected in {balance}");
    found[0]
}

/// Runs a command that must be refused with exit 3 and change nothing; the
/// stderr must contain every one of `says`.
#[track_caller]
fn refused_saying(w: &Wallet, args: &[&str], says: &[&str]) -> String {
    let err = w.refused(args, 3);
    for s in says {
        assert!(err.contains(s), "stderr of {args:?} should mention '{s}':\n{err}");
    }
    err
}

#[test]
fn generate_prints_ids_numbered_across_the_wallet_and_the_credits_spent() {
    let w = wallet_with(&["alice", "bob"]);
    assert_eq!(generate(&w, &["alice", "--count", "3"]), (ids(1..=3), 3));
    assert_eq!(generate(&w, &["bob"]), (ids(4..=4), 1));
    assert_eq!(generate(&w, &["alice", "--style", "agentic"]), (ids(5..=5), 1));
    assert_eq!(w.balance("alice"), (6, 0));
    assert_eq!(w.balance("bob"), (9, 0));
    assert_eq!(image_ids(&w, "alice"), ["img-1", "img-2", "img-3", "img-5"]);
    assert_eq!(image_ids(&w, "bob"), ["img-4"]);

    // Every style kind at its default price (1 credit per image), and the
    // largest --count.
    w.ok(&["buy", "alice", "credits-500"]);
    assert_eq!(
        generate(&w, &["alice", "--style", "artist:monet", "--count", "2"]),
        (ids(6..=7), 2)
    );
    w.ok(&["train", "alice", "mine"]);
    assert_eq!(
        generate(&w, &["alice", "--style", "private:mine", "--count", "4"]),
        (ids(8..=11), 4)
    );
    assert_eq!(w.balance("alice"), (506 - 6, 0));
    let (hundred, spent) = generate(&w, &["alice", "--count", "100"]);
    assert_eq!((hundred, spent), (ids(12..=111), 100));
    assert_eq!(w.balance("alice"), (400, 0));
    let styles: Vec<String> = images(&w, "alice")
        .iter()
        .map(|i| i["style"].as_str().expect("style").to_owned())
        .collect();
    assert_eq!(
        &styles[..10],
        [
            "base",
            "base",
            "base",
            "agentic",
            "artist:monet",
            "artist:monet",
            "private:mine",
            "private:mine",
            "private:mine",
            "private:mine"
        ]
    );
    assert_eq!(styles.len(), 4 + 2 + 4 + 100);
    assert!(images(&w, "alice").iter().all(|i| i["created_at"] == T0));
}

#[test]
fn each_style_kind_is_priced_from_its_own_pricing_key() {
    let w = wallet_with(&["alice"]);
    let pricing = pricing_with(
        &w,
        "styles.toml",
        &[
            ("base = 1\n", "base = 2\n"),
            ("agentic = 1\n", "agentic = 3\n"),
            ("private = 1\n", "private = 5\n"),
            ("artist = 1\n", "artist = 7\n"),
        ],
    );
    w.ok(&["buy", "alice", "credits-500"]);
    w.ok(&["train", "alice", "mine"]);
    let mut credits = 510;
    let cases = [
        (vec!["alice", "--count", "3"], 6),
        (vec!["alice", "--style", "base", "--count", "2"], 4),
        (vec!["alice", "--style", "agentic", "--count", "3"], 9),
        (vec!["alice", "--style", "private:mine", "--count", "2"], 10),
        (vec!["alice", "--style", "artist:dali", "--count", "4"], 28),
    ];
    for (args, cost) in cases {
        let mut all = vec!["--pricing", pricing.as_str()];
        all.extend(args.iter());
        let (_, spent) = generate(&w, &all);
        assert_eq!(spent, cost, "credits_spent of generate {args:?}");
        credits -= cost;
        assert_eq!(w.balance("alice"), (credits, 0), "after generate {args:?}");
    }
    // The price is per image: the whole --count is refused when short.
    let mut need = vec!["--pricing", pricing.as_str()];
    need.extend(["generate", "alice", "--style", "artist:x", "--count", "65"]);
    refused_saying(&w, &need, &["needs 455 credits", "has 453 credits"]);
    need[7] = "64";
    w.ok(&need);
    assert_eq!(w.balance("alice"), (credits - 448, 0));
}

#[test]
fn a_refused_generate_uses_no_image_id() {
    let w = wallet_with(&["alice", "bob"]);
    refused_saying(
        &w,
        &["generate", "alice", "--count", "11"],
        &["needs 11 credits", "has 10 credits", "wallet buy alice credits-500"],
    );
    let err = w.refused(&["generate", "alice", "--style", "private:mine"], 3);
    assert!(err.contains("mine"), "names the missing style:\n{err}");
    assert!(err.contains("wallet train alice mine"), "says how to fix it:\n{err}");
    w.refused(&["generate", "alice", "--count", "0"], 2);
    w.refused(&["generate", "alice", "--count", "101"], 2);
    w.refused(&["generate", "alice", "--count", "-1"], 2);
    w.refused(&["generate", "alice", "--style", "watercolour"], 2);
    // After `private:` comes a name, judged by the naming rule like `train`'s (README).
    w.refused(&["generate", "alice", "--style", "private:"], 3);
    refused_saying(&w, &["generate", "carol"], &["carol"]);
    assert_eq!(generate(&w, &["alice", "--count", "10"]), (ids(1..=10), 10));
    assert_eq!(w.balance("alice"), (0, 0));

    // Empty wallet now: the refusal says 0 are there and what to buy.
    refused_saying(
        &w,
        &["generate", "alice"],
        &["needs 1 credit", "has 0 credits", "wallet buy alice credits-500"],
    );
    refused_saying(
        &w,
        &["generate", "bob", "--count", "50"],
        &["needs 50 credits", "has 10 credits"],
    );
    assert_eq!(generate(&w, &["bob", "--style", "agentic"]), (ids(11..=11), 1));
    assert_eq!(image_ids(&w, "alice"), ids(1..=10));
    assert_eq!(image_ids(&w, "bob"), ["img-11"]);
}

#[test]
fn every_edit_op_costs_its_pricing_value() {
    let w = wallet_with(&["alice"]);
    w.ok(&["buy", "alice", "credits-500"]);
    let (made, _) = generate(&w, &["alice", "--count", "2"]);
    let mut credits = 508;
    for (op, cost) in EDIT_COSTS {
        w.ok(&["edit", "alice", "img-1", op]);
        credits -= cost;
        assert_eq!(w.balance("alice"), (credits, 0), "edit {op} should cost {cost}");
    }
    assert_eq!(credits, 508 - 18);
    let ops: Vec<&str> = EDIT_COSTS.iter().map(|(op, _)| *op).collect();
    let first = image(&w, "alice", &made[0]);
    assert_eq!(edit_ops(&first), ops);
    let charged: Vec<u64> = first["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| e["credits"].as_u64().expect("credits"))
        .collect();
    assert_eq!(charged, EDIT_COSTS.iter().map(|(_, c)| *c).collect::<Vec<_>>());
    assert!(edit_ops(&image(&w, "alice", &made[1])).is_empty());

    // With seven different prices, each op must read its own key.
    let pricing = pricing_with(
        &w,
        "edits.toml",
        &[
            ("instruct = 2", "instruct = 3"),
            ("replace = 2", "replace = 6"),
            ("recreate = 2", "recreate = 7"),
            ("erase = 1", "erase = 9"),
            ("upscale = 4", "upscale = 11"),
            ("remove-background = 2", "remove-background = 13"),
            ("vectorize = 5", "vectorize = 17"),
        ],
    );
    for (op, cost) in [
        ("instruct", 3),
        ("replace", 6),
        ("recreate", 7),
        ("erase", 9),
        ("upscale", 11),
        ("remove-background", 13),
        ("vectorize", 17),
    ] {
        w.ok(&["--pricing", &pricing, "edit", "alice", "img-2", op]);
        credits -= cost;
        assert_eq!(
            w.balance("alice"),
            (credits, 0),
            "edit {op} should cost {cost} with edits.toml"
        );
    }

    // clap rejects an unknown op; other refusals are rules (exit 3).
    w.refused(&["edit", "alice", "img-1", "sharpen"], 2);
    w.refused(&["edit", "alice", "img-1", "remove_background"], 2);
    w.refused(&["edit", "alice", "img-1"], 2);
    refused_saying(
        &w,
        &["edit", "alice", "img-3", "instruct"],
        &["no image img-3 in account alice"],
    );
    refused_saying(&w, &["edit", "carol", "img-1", "instruct"], &["carol"]);
}

#[test]
fn an_edit_without_enough_credits_is_refused_whole() {
    let w = wallet_with(&["alice"]);
    generate(&w, &["alice", "--count", "6"]);
    assert_eq!(w.balance("alice"), (4, 0));
    w.ok(&["edit", "alice", "img-1", "upscale"]);
    assert_eq!(w.balance("alice"), (0, 0));
    refused_saying(
        &w,
        &["edit", "alice", "img-2", "vectorize"],
        &["needs 5 credits", "has 0 credits", "wallet buy alice credits-500"],
    );
    assert_eq!(edit_ops(&image(&w, "alice", "img-2")), Vec::<String>::new());
}

#[test]
fn upscale_remove_background_and_vectorize_need_the_license_an_image_requires() {
    let w = wallet_with(&["alice"]);
    w.ok(&["buy", "alice", "credits-500"]);
    w.ok(&["buy", "alice", "license", "--quantity", "2"]);
    w.ok(&["train", "alice", "mine"]);
    let (private, _) = generate(&w, &["alice", "--style", "private:mine"]);
    let (artist, _) = generate(&w, &["alice", "--style", "artist:monet"]);
    let (base, _) = generate(&w, &["alice"]);
    let (agentic, _) = generate(&w, &["alice", "--style", "agentic"]);
    assert_eq!(
        [&private[0], &artist[0], &base[0], &agentic[0]],
        ["img-1", "img-2", "img-3", "img-4"]
    );
    let (credits, licenses) = w.balance("alice");
    assert_eq!((credits, licenses), (510 + 200 - 4, 2));

    let gated = [("upscale", 4), ("remove-background", 2), ("vectorize", 5)];
    for img in ["img-1", "img-2"] {
        for (op, _) in gated {
            refused_saying(
                &w,
                &["edit", "alice", img, op],
                &[img, "not licensed", &format!("wallet license alice {img}")],
            );
        }
        // The other ops are fine without a license.
        w.ok(&["edit", "alice", img, "erase"]);
    }
    let mut credits = credits - 2;
    assert_eq!(w.balance("alice"), (credits, 2));

    // Base and agentic images need no license for any op.
    for img in ["img-3", "img-4"] {
        for (op, cost) in gated {
            w.ok(&["edit", "alice", img, op]);
            credits -= cost;
            assert_eq!(w.balance("alice"), (credits, 2), "{op} on {img}");
        }
        assert_eq!(
            edit_ops(&image(&w, "alice", img)),
            ["upscale", "remove-background", "vectorize"]
        );
    }

    // Once licensed, the gated ops are accepted and cost their price.
    for img in ["img-1", "img-2"] {
        w.ok(&["license", "alice", img]);
        for (op, cost) in gated {
            w.ok(&["edit", "alice", img, op]);
            credits -= cost;
        }
        assert_eq!(
            edit_ops(&image(&w, "alice", img)),
            ["erase", "upscale", "remove-background", "vectorize"]
        );
    }
    assert_eq!(w.balance("alice"), (credits, 0));
    w.ok(&["verify"]);
}

#[test]
fn license_refusals_change_nothing() {
    let w = wallet_with(&["alice", "bob"]);
    w.ok(&["buy", "alice", "license"]);
    w.ok(&["buy", "bob", "license"]);
    let (mine, _) = generate(&w, &["alice", "--style", "artist:monet", "--count", "2"]);
    assert_eq!(mine, ids(1..=2));
    assert_eq!(generate(&w, &["alice"]).0, ["img-3"]);
    assert_eq!(generate(&w, &["alice", "--style", "agentic"]).0, ["img-4"]);
    assert_eq!(generate(&w, &["bob", "--style", "artist:dali"]).0, ["img-5"]);

    w.ok(&["license", "alice", "img-1"]);
    assert_eq!(w.balance("alice"), (106, 0));

    // Twice.
    refused_saying(&w, &["license", "alice", "img-1"], &["img-1", "already licensed"]);
    // Another account's image, both ways: reported like a missing one.
    let err = refused_saying(&w, &["license", "bob", "img-2"], &["no image img-2 in account bob"]);
    assert!(!err.contains("alice"), "must not reveal the other account:\n{err}");
    let err = refused_saying(&w, &["license", "alice", "img-5"], &["no image img-5 in account alice"]);
    assert!(!err.contains("bob"), "must not reveal the other account:\n{err}");
    let err = refused_saying(
        &w,
        &["edit", "bob", "img-1", "instruct"],
        &["no image img-1 in account bob"],
    );
    assert!(!err.contains("alice"), "must not reveal the other account:\n{err}");
    // Images that need no license.
    refused_saying(&w, &["license", "alice", "img-3"], &["img-3", "no license"]);
    refused_saying(&w, &["license", "alice", "img-4"], &["img-4", "no license"]);
    // No license left.
    refused_saying(
        &w,
        &["license", "alice", "img-2"],
        &["needs 1 license", "has 0 licenses", "wallet buy alice license"],
    );
    // Malformed and missing ids, unknown account.
    for bad in [
        "img-x",
        "img-01",
        "img-",
        "2",
        "IMG-2",
        "img--2",
        "img-2 ",
        "img-99999999999999999999",
    ] {
        refused_saying(&w, &["license", "bob", bad], &["no image", "account bob"]);
    }
    refused_saying(&w, &["license", "bob", "img-6"], &["no image img-6 in account bob"]);
    refused_saying(&w, &["license", "carol", "img-1"], &["carol"]);
    w.refused(&["license", "alice"], 2);

    // Bob's own license was never touched by any of that.
    assert_eq!(w.balance("bob"), (109, 1));
    w.ok(&["license", "bob", "img-5"]);
    assert_eq!(w.balance("bob"), (109, 0));
    assert_eq!(image(&w, "bob", "img-5")["licensed"], true);
    assert_eq!(image(&w, "alice", "img-2")["licensed"], false);
}

#[test]
fn the_first_style_is_free_then_300() {
    let w = wallet_with(&["alice", "bob"]);
    let strict = pricing_with(
        &w,
        "strict.toml",
        &[("first_private_style_free = true", "first_private_style_free = false")],
    );

    // No private style yet.
    refused_saying(
        &w,
        &["generate", "alice", "--style", "private:mine"],
        &["mine", "wallet train alice mine"],
    );
    // With the policy off, the first training costs 300 and 10 is not enough …
    refused_saying(
        &w,
        &["--pricing", &strict, "train", "alice", "mine"],
        &["needs 300 credits", "has 10 credits", "wallet buy alice credits-500"],
    );
    // … and neither that nor a bad name uses the free training up.
    let before = w.dump();
    let bad = w.run(&["train", "alice", "bad name"]);
    assert_eq!(
        bad.code, 3,
        "a style name with a space is refused by the rule: {}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("'bad name' is not a valid style name"),
        "{}",
        bad.stderr
    );
    assert_eq!(before, w.dump(), "a refused training changed the wallet");

    w.ok(&["train", "alice", "mine"]);
    assert_eq!(w.balance("alice"), (10, 0), "the first training is free");
    assert_eq!(generate(&w, &["alice", "--style", "private:mine"]), (ids(1..=1), 1));
    let img = image(&w, "alice", "img-1");
    assert_eq!(img["style"], "private:mine");
    assert_eq!(img["requires_license"], true);

    // Names are unique per account; a duplicate is refused and charges nothing.
    refused_saying(&w, &["train", "alice", "mine"], &["mine"]);
    // The second costs 300.
    refused_saying(
        &w,
        &["train", "alice", "other"],
        &["needs 300 credits", "has 9 credits", "wallet buy alice credits-500"],
    );
    w.ok(&["buy", "alice", "credits-500"]);
    w.ok(&["train", "alice", "other"]);
    assert_eq!(w.balance("alice"), (209, 0));
    let history = w.json(&["history", "alice"]);
    let train: Vec<i64> = history
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["reason"] == "train")
        .map(|e| e["change"].as_i64().expect("change"))
        .collect();
    assert_eq!(
        train.iter().sum::<i64>(),
        -300,
        "ledger entries of the trainings: {train:?}"
    );
    assert_eq!(generate(&w, &["alice", "--style", "private:other"]).1, 1);

    // Another account's style is not bob's; bob's own first training is free.
    refused_saying(&w, &["generate", "bob", "--style", "private:mine"], &["mine"]);
    w.ok(&["train", "bob", "mine"]);
    assert_eq!(w.balance("bob"), (10, 0));
    assert_eq!(generate(&w, &["bob", "--style", "private:mine"]).0, ["img-3"]);

    // Paid first training under the strict policy: then the next is not free.
    w.ok(&["account", "add", "carol"]);
    w.ok(&["buy", "carol", "credits-500"]);
    w.ok(&["--pricing", &strict, "train", "carol", "first"]);
    assert_eq!(w.balance("carol"), (210, 0));
    refused_saying(
        &w,
        &["train", "carol", "second"],
        &["needs 300 credits", "has 210 credits"],
    );
    w.ok(&["verify"]);
}

#[test]
fn images_json_shows_the_rights_before_and_after_licensing() {
    let w = wallet_with(&["alice"]);
    w.ok(&["buy", "alice", "license"]);
    generate(&w, &["alice", "--style", "artist:monet"]);
    generate(&w, &["alice"]);
    generate(&w, &["alice", "--style", "agentic"]);
    w.ok(&["advance-clock", "1d"]);

    let artist = image(&w, "alice", "img-1");
    assert_eq!(artist["style"], "artist:monet");
    assert_eq!(artist["created_at"], T0);
    assert_eq!(artist["requires_license"], true);
    assert_eq!(artist["licensed"], false);
    assert_eq!(artist["watermark"], true);
    assert_eq!(artist["commercial_use"], "none");
    assert_eq!(artist["max_download"], "preview");
    assert_eq!(artist["svg_export"], false);
    assert_eq!(artist["edits"], serde_json::json!([]));

    let base = image(&w, "alice", "img-2");
    assert_eq!(base["style"], "base");
    assert_eq!(base["requires_license"], false);
    assert_eq!(base["licensed"], false);
    assert_eq!(base["watermark"], false);
    assert_eq!(base["commercial_use"], "model_provider_terms");
    assert_eq!(base["max_download"], "8K");
    assert_eq!(base["svg_export"], true);

    let agentic = image(&w, "alice", "img-3");
    assert_eq!(agentic["style"], "agentic");
    assert_eq!(agentic["requires_license"], false);
    assert_eq!(agentic["watermark"], false);
    assert_eq!(agentic["commercial_use"], "free");
    assert_eq!(agentic["max_download"], "8K");
    assert_eq!(agentic["svg_export"], true);

    w.ok(&["license", "alice", "img-1"]);
    w.ok(&["edit", "alice", "img-1", "upscale"]);
    w.ok(&["edit", "alice", "img-1", "vectorize"]);
    w.ok(&["edit", "alice", "img-2", "instruct"]);
    let artist = image(&w, "alice", "img-1");
    assert_eq!(artist["requires_license"], true);
    assert_eq!(artist["licensed"], true);
    assert_eq!(artist["watermark"], false);
    assert_eq!(artist["commercial_use"], "full");
    assert_eq!(artist["max_download"], "8K");
    assert_eq!(artist["svg_export"], true);
    assert_eq!(artist["created_at"], T0, "licensing does not change when it was made");
    assert_eq!(edit_ops(&artist), ["upscale", "vectorize"]);
    assert_eq!(edit_ops(&image(&w, "alice", "img-2")), ["instruct"]);
    assert!(edit_ops(&image(&w, "alice", "img-3")).is_empty());
    // Licensing one image changes no other image's rights.
    assert_eq!(image(&w, "alice", "img-3"), agentic);
    assert_eq!(image(&w, "alice", "img-2")["commercial_use"], "model_provider_terms");

    // The table says the same for people.
    // (wide enough that no cell wraps: tables fit $COLUMNS when piped)
    let table = w.run_with(&["images", "alice"], |c| {
        c.env("COLUMNS", "200");
    });
    assert_eq!(table.code, 0, "{}", table.stderr);
    let table = table.stdout;
    for word in ["img-1", "img-2", "img-3", "artist:monet", "licensed", "not needed"] {
        assert!(table.contains(word), "images table should show '{word}':\n{table}");
    }
}

#[test]
fn a_one_time_lot_expiring_before_the_next_delivery_is_spent_first() {
    let w = wallet_with(&["alice"]);
    // A license bought at signup: 1 license and 100 bonus credits, expiring with the signup lot.
    w.ok(&["buy", "alice", "license"]);
    w.ok(&["advance-clock", "--to", "2026-12-20T10:00:00Z"]);
    w.ok(&["subscribe", "alice", "licenses-5-monthly"]);
    let signup_expiry = "2027-01-15T10:00:00Z";
    let next_delivery = "2027-01-20T10:00:00Z";
    assert_eq!(
        sorted_lots(&w, "alice"),
        [
            lot("license_bonus", "credits", 100, signup_expiry),
            lot("license_pack", "licenses", 1, signup_expiry),
            lot("signup", "credits", 10, signup_expiry),
            lot("subscription", "credits", 500, next_delivery),
            lot("subscription", "licenses", 5, next_delivery),
        ]
    );
    generate(&w, &["alice", "--style", "artist:monet", "--count", "3"]);
    assert_eq!(
        image(&w, "alice", "img-1")["created_at"],
        "2026-12-20T10:00:00Z",
        "made at the wallet clock"
    );
    // Signup (lot 1) and bonus expire together: the older grant / lower id goes first.
    assert_eq!(
        sorted_lots(&w, "alice"),
        [
            lot("license_bonus", "credits", 100, signup_expiry),
            lot("license_pack", "licenses", 1, signup_expiry),
            lot("signup", "credits", 7, signup_expiry),
            lot("subscription", "credits", 500, next_delivery),
            lot("subscription", "licenses", 5, next_delivery),
        ]
    );
    // Licenses follow the same order: the pack's license goes first.
    w.ok(&["license", "alice", "img-1"]);
    assert_eq!(
        sorted_lots(&w, "alice"),
        [
            lot("license_bonus", "credits", 100, signup_expiry),
            lot("signup", "credits", 7, signup_expiry),
            lot("subscription", "credits", 500, next_delivery),
            lot("subscription", "licenses", 5, next_delivery),
        ]
    );
    // A spend crossing into the next lot empties the signup lot first.
    generate(&w, &["alice", "--count", "10"]);
    assert_eq!(
        sorted_lots(&w, "alice"),
        [
            lot("license_bonus", "credits", 97, signup_expiry),
            lot("subscription", "credits", 500, next_delivery),
            lot("subscription", "licenses", 5, next_delivery),
        ]
    );
    assert_eq!(w.balance("alice"), (597, 5));
    w.ok(&["verify"]);
}

#[test]
fn a_subscription_lot_expiring_first_is_spent_before_older_one_time_lots() {
    let w = wallet_with(&["alice"]);
    w.ok(&["buy", "alice", "license"]);
    w.ok(&["advance-clock", "1d"]);
    // Granted a day later than the one-time lots, but expiring eleven months sooner.
    w.ok(&["subscribe", "alice", "licenses-5-monthly"]);
    let one_time = "2027-01-15T10:00:00Z";
    let next_delivery = "2026-02-16T10:00:00Z";
    generate(&w, &["alice", "--style", "artist:monet", "--count", "3"]);
    w.ok(&["license", "alice", "img-2"]);
    assert_eq!(
        sorted_lots(&w, "alice"),
        [
            lot("license_bonus", "credits", 100, one_time),
            lot("license_pack", "licenses", 1, one_time),
            lot("signup", "credits", 10, one_time),
            lot("subscription", "credits", 497, next_delivery),
            lot("subscription", "licenses", 4, next_delivery),
        ]
    );
    assert_eq!(w.balance("alice"), (607, 5));
}

#[test]
fn a_spend_across_several_lots_records_one_entry_per_lot() {
    let w = wallet_with(&["alice"]);
    // 5 credits per image so one generate can cross three lots.
    let pricing = pricing_with(&w, "dear.toml", &[("base = 1\n", "base = 5\n")]);
    w.ok(&["advance-clock", "1d"]);
    // Bought at the same instant, so they tie on expiry and grant time:
    // the license's bonus lot (lower id) goes before the pack.
    w.ok(&["buy", "alice", "license"]);
    w.ok(&["buy", "alice", "credits-500"]);
    let before = w.json(&["balance", "alice"]);
    let signup = lot_id(&before, "signup", "credits");
    let bonus = lot_id(&before, "license_bonus", "credits");
    let pack = lot_id(&before, "credit_pack", "credits");
    assert!(signup < bonus && bonus < pack, "lot ids in grant order: {before}");
    let entries_before = w.json(&["history", "alice"]).as_array().expect("history").len();

    assert_eq!(
        generate(&w, &["--pricing", &pricing, "alice", "--count", "30"]),
        (ids(1..=30), 150)
    );
    let after = w.json(&["balance", "alice"]);
    assert_eq!(after["credits"], 610 - 150);
    assert_eq!(after["licenses"], 1);
    assert_eq!(
        sorted_lots(&w, "alice"),
        [
            lot("credit_pack", "credits", 460, "2027-01-16T10:00:00Z"),
            lot("license_pack", "licenses", 1, "2027-01-16T10:00:00Z"),
        ],
        "the signup and bonus lots are used up"
    );

    let history = w.json(&["history", "alice"]);
    let new = &history.as_array().expect("history")[entries_before..];
    let spent: Vec<(i64, i64, &str)> = new
        .iter()
        .map(|e| {
            (
                e["lot"].as_i64().expect("lot"),
                e["change"].as_i64().expect("change"),
                e["reason"].as_str().expect("reason"),
            )
        })
        .collect();
    assert_eq!(
        spent,
        [
            (signup, -10, "generate"),
            (bonus, -100, "generate"),
            (pack, -40, "generate")
        ],
        "one ledger entry per lot touched, in burn-down order"
    );
    assert!(
        new.iter().all(|e| e["operation"] == new[0]["operation"]),
        "one operation: {new:?}"
    );
    assert_eq!(new.last().expect("entries")["credits"], 460, "running balance");

    // Refused whole when even all lots together are short.
    refused_saying(
        &w,
        &["--pricing", &pricing, "generate", "alice", "--count", "93"],
        &["needs 465 credits", "has 460 credits"],
    );
    w.ok(&["verify"]);
}

#[test]
fn a_shortfall_beyond_any_single_product_suggests_a_quantity() {
    let w = Wallet::at("2026-01-15T10:00:00Z");
    w.ok(&["account", "add", "alice"]);
    w.ok(&["train", "alice", "first"]);
    // 300 needed for a second style, 10 usable: credits-500 covers it in one purchase.
    let e = w.refused(&["train", "alice", "another"], 3);
    assert!(
        e.contains("wallet buy alice credits-500") && !e.contains("--quantity"),
        "{e}"
    );
    // 100 artist images at 50 credits: 4,990 short, beyond the largest pack (1,000).
    let pricing = w.dir.path().join("pricing.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml")).expect("pricing");
    let edited = text.replacen("artist = 1", "artist = 50", 1);
    assert_ne!(edited, text);
    std::fs::write(&pricing, edited).expect("write");
    let args = [
        "--pricing",
        pricing.to_str().expect("path"),
        "generate",
        "alice",
        "--count",
        "100",
        "--style",
        "artist:a",
    ];
    let e = w.refused(&args, 3);
    assert!(e.contains("needs 5000 credits") && e.contains("has 10 credits"), "{e}");
    assert!(e.contains("wallet buy alice credits-1000 --quantity 5"), "{e}");
}
