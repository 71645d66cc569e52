//! SPEC §6 and §7: spending credits on generations, edits and style
//! training, spending licenses on images, and the rights each image has.

use crate::pricing::Pricing;
use crate::rules::clock::Instant;

use super::burn_down::{burn_down, usable_total};
use super::model::{Asset, EditOp, Image, ImageId, Lot, Reason, Style, image_id};
use super::{Change, Effect, OperationKind, Refusal};

/// An account about to pay: takes amounts by the burn-down order, or
/// refuses naming what is needed, what is there and what would cover it.
struct Payer<'a> {
    handle: &'a str,
    lots: &'a [Lot],
    pricing: &'a Pricing,
    now: Instant,
}

impl Payer<'_> {
    /// `action` is only written out for a refusal.
    fn take(
        &self,
        asset: Asset,
        amount: u64,
        reason: Reason,
        action: &dyn std::fmt::Display,
    ) -> Result<Vec<Effect>, Refusal> {
        if amount == 0 {
            return Ok(Vec::new());
        }
        match burn_down(self.lots, asset, amount, self.now) {
            Ok(taken) => Ok(taken
                .into_iter()
                .map(|(lot_id, taken)| Effect::Debit {
                    lot_id,
                    asset,
                    amount: taken,
                    reason,
                    note: None,
                })
                .collect()),
            Err(available) => Err(Refusal::not_enough(
                self.handle,
                action.to_string(),
                asset,
                amount,
                available,
                suggest_product(self.handle, asset, amount - available, self.pricing),
            )),
        }
    }
}

/// The cheapest product that covers a shortfall in one purchase, else the
/// largest one bought as many times as needed.
fn suggest_product(handle: &str, asset: Asset, shortfall: u64, pricing: &Pricing) -> Option<String> {
    let grant = |p: &crate::pricing::Product| match asset {
        Asset::Credits => p.credits,
        Asset::Licenses => p.licenses,
    };
    let candidates = pricing.products.iter().filter(|(_, p)| grant(p) > 0);
    let covering = candidates
        .clone()
        .filter(|(_, p)| grant(p) >= shortfall)
        .min_by_key(|(id, p)| (p.price_cents, grant(p), id.as_str()));
    if let Some((id, _)) = covering {
        return Some(format!("buy more: wallet buy {handle} {id}"));
    }
    let (id, largest) = candidates.max_by_key(|(id, p)| (grant(p), std::cmp::Reverse(id.as_str())))?;
    let times = shortfall.div_ceil(grant(largest));
    (times <= 1000).then(|| format!("buy more: wallet buy {handle} {id} --quantity {times}"))
}

/// `generate ACCOUNT --style S --count N`: N images at
/// `actions.generate.<kind>` credits each, numbered from `next_image_number`.
#[allow(clippy::too_many_arguments)]
pub fn generate(
    handle: &str,
    lots: &[Lot],
    trained_styles: &[String],
    style: Style,
    count: u32,
    next_image_number: i64,
    pricing: &Pricing,
    now: Instant,
) -> Result<Change, Refusal> {
    if let Style::Private(name) = &style
        && !trained_styles.iter().any(|s| s == name)
    {
        return Err(Refusal::Style(format!(
            "{handle} has no private style '{name}' (private styles must be trained first: wallet train {handle} {name})"
        )));
    }
    let g = &pricing.actions.generate;
    let per_image = match style {
        Style::Base => g.base,
        Style::Agentic => g.agentic,
        Style::Private(_) => g.private,
        Style::Artist(_) => g.artist,
    };
    let cost = per_image
        .checked_mul(u64::from(count))
        .ok_or_else(|| Refusal::too_large_for("the cost of this generation", "generate fewer images with --count"))?;
    let noun = if count == 1 { "image" } else { "images" };
    let mut effects = Payer {
        handle,
        lots,
        pricing,
        now,
    }
    .take(
        Asset::Credits,
        cost,
        Reason::Generate,
        &format_args!("generate {count} {style} {noun}"),
    )?;
    next_image_number.checked_add(i64::from(count)).ok_or_else(|| {
        Refusal::too_large_for(
            "the image number",
            "this wallet has numbered as many images as it can; start a new wallet with --db",
        )
    })?;
    effects.push(Effect::CreateImages {
        first_number: next_image_number,
        count,
        style: style.clone(),
    });
    // One format for the summary: a replay writes one per line.
    let first = ImageId(next_image_number);
    let credits = Asset::Credits.noun(cost);
    let summary = if count == 1 {
        format!("{handle} generated {count} {style} {noun} ({first}) for {cost} {credits}")
    } else {
        let last = ImageId(next_image_number + i64::from(count) - 1);
        format!("{handle} generated {count} {style} {noun} ({first}…{last}) for {cost} {credits}")
    };
    Ok(Change {
        kind: OperationKind::Generate,
        summary,
        correction: None,
        effects,
    })
}

/// `edit ACCOUNT IMAGE OP`: `actions.edit.<op>` credits; upscale, background
/// removal and vectorizing need the license an image requires (SPEC §7).
pub fn edit(
    handle: &str,
    lots: &[Lot],
    image: &Image,
    op: EditOp,
    pricing: &Pricing,
    now: Instant,
) -> Result<Change, Refusal> {
    let id = image_id(image.number);
    if op.needs_license() && image.style.requires_license() && !image.licensed {
        return Err(Refusal::Image(format!(
            "{id} was made with {} and is not licensed, so it cannot be {}; license it first: wallet license {handle} {id}",
            image.style,
            match op {
                EditOp::Upscale => "upscaled",
                EditOp::RemoveBackground => "background-removed",
                _ => "vectorized",
            }
        )));
    }
    let e = &pricing.actions.edit;
    let cost = match op {
        EditOp::Instruct => e.instruct,
        EditOp::Replace => e.replace,
        EditOp::Recreate => e.recreate,
        EditOp::Erase => e.erase,
        EditOp::Upscale => e.upscale,
        EditOp::RemoveBackground => e.remove_background,
        EditOp::Vectorize => e.vectorize,
    };
    let action = format!("{} {id}", op.as_str());
    let mut effects = Payer {
        handle,
        lots,
        pricing,
        now,
    }
    .take(Asset::Credits, cost, Reason::Edit, &action)?;
    effects.push(Effect::RecordEdit {
        image_number: image.number,
        op,
        credits: cost,
    });
    Ok(Change {
        kind: OperationKind::Edit,
        summary: format!(
            "{handle} applied {} to {id} for {}",
            op.as_str(),
            Asset::Credits.count(cost)
        ),
        correction: None,
        effects,
    })
}

/// `train ACCOUNT STYLE`: `actions.train_style` credits, the account's first
/// style free while `policy.first_private_style_free` (SPEC §6).
pub fn train(
    handle: &str,
    lots: &[Lot],
    trained_styles: &[String],
    name: &str,
    pricing: &Pricing,
    now: Instant,
) -> Result<Change, Refusal> {
    let name = super::model::valid_style_name(name).map_err(Refusal::Style)?;
    if trained_styles.iter().any(|s| s == name) {
        return Err(Refusal::Style(format!(
            "{handle} already has a private style named '{name}' (names are unique per account); choose another name"
        )));
    }
    let free = pricing.policy.first_private_style_free && trained_styles.is_empty();
    let cost = if free { 0 } else { pricing.actions.train_style };
    let mut effects = Payer {
        handle,
        lots,
        pricing,
        now,
    }
    .take(Asset::Credits, cost, Reason::Train, &"train a style")?;
    effects.push(Effect::TrainStyle {
        name: name.to_owned(),
        credits: cost,
    });
    Ok(Change {
        kind: OperationKind::Train,
        summary: if free {
            format!("{handle} trained private style '{name}' free (first private style)")
        } else {
            format!(
                "{handle} trained private style '{name}' for {}",
                Asset::Credits.count(cost)
            )
        },
        correction: None,
        effects,
    })
}

/// `license ACCOUNT IMAGE`: one license, by the burn-down order, on an image
/// that requires one and has none (SPEC §6).
pub fn license(handle: &str, lots: &[Lot], image: &Image, pricing: &Pricing, now: Instant) -> Result<Change, Refusal> {
    let id = image_id(image.number);
    if !image.style.requires_license() {
        return Err(Refusal::Image(format!(
            "{id} was made with the {} style and needs no license ({}); nothing was spent",
            image.style,
            if image.style == Style::Agentic {
                "agentic images are free for commercial and non-commercial use"
            } else {
                "base images' rights depend on the model provider"
            }
        )));
    }
    if image.licensed {
        return Err(Refusal::Image(format!(
            "{id} is already licensed (one license per image); nothing was spent (see: wallet images {handle})"
        )));
    }
    let action = format!("license {id}");
    let payer = Payer {
        handle,
        lots,
        pricing,
        now,
    };
    // A usable license is always spent first; credits pay only when there is
    // none and the policy prices a license in credits.
    let price_in_credits = pricing.policy.license_price_credits;
    let mut effects = match (usable_total(lots, Asset::Licenses, now), price_in_credits) {
        (0, Some(credits)) => payer.take(
            Asset::Credits,
            credits,
            Reason::License,
            &format!("{action} (no usable license)"),
        )?,
        _ => payer.take(Asset::Licenses, 1, Reason::License, &action)?,
    };
    effects.push(Effect::LicenseImage {
        image_number: image.number,
    });
    Ok(Change {
        kind: OperationKind::License,
        summary: format!("{handle} licensed {id}"),
        correction: None,
        effects,
    })
}

/// What an image may be used for (SPEC §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRights {
    pub requires_license: bool,
    pub watermark: bool,
    pub commercial_use: CommercialUse,
    pub max_download: MaxDownload,
    pub svg_export: bool,
    pub upscale: bool,
    pub remove_background: bool,
}

/// Whether and how an image may be used commercially (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommercialUse {
    /// A licensed image.
    Full,
    /// An agentic image, free for any use.
    Free,
    /// A base image: the model provider's terms apply.
    ModelProviderTerms,
    /// An image that needs a license it lacks.
    None,
}

impl CommercialUse {
    pub fn as_str(self) -> &'static str {
        match self {
            CommercialUse::Full => "full",
            CommercialUse::Free => "free",
            CommercialUse::ModelProviderTerms => "model_provider_terms",
            CommercialUse::None => "none",
        }
    }
}

/// The largest download an image allows (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxDownload {
    EightK,
    /// Only a watermarked preview, for an image that needs a license it lacks.
    Preview,
}

impl MaxDownload {
    pub fn as_str(self) -> &'static str {
        match self {
            MaxDownload::EightK => "8K",
            MaxDownload::Preview => "preview",
        }
    }
}

/// JSON writes the rights with the names above.
macro_rules! serialize_as_str {
    ($($ty:ty),*) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    )*};
}
serialize_as_str!(CommercialUse, MaxDownload);

pub fn rights(style: &Style, licensed: bool) -> ImageRights {
    let requires_license = style.requires_license();
    let unlocked = licensed || !requires_license;
    ImageRights {
        requires_license,
        watermark: !unlocked,
        commercial_use: match (style, licensed) {
            (_, true) => CommercialUse::Full,
            (Style::Agentic, false) => CommercialUse::Free,
            (Style::Base, false) => CommercialUse::ModelProviderTerms,
            _ => CommercialUse::None,
        },
        max_download: if unlocked {
            MaxDownload::EightK
        } else {
            MaxDownload::Preview
        },
        svg_export: unlocked,
        upscale: unlocked,
        remove_background: unlocked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::at;
    use crate::rules::model::Source;

    fn lots() -> Vec<Lot> {
        vec![
            Lot {
                id: 1,
                asset: Asset::Credits,
                source: Source::Signup,
                granted: 10,
                remaining: 10,
                granted_at: at("2026-01-15T10:00:00Z"),
                expires_at: at("2027-01-15T10:00:00Z"),
                subscription_id: None,
            },
            Lot {
                id: 2,
                asset: Asset::Licenses,
                source: Source::LicensePack,
                granted: 1,
                remaining: 1,
                granted_at: at("2026-01-15T10:00:00Z"),
                expires_at: at("2027-01-15T10:00:00Z"),
                subscription_id: None,
            },
        ]
    }

    fn image(style: Style, licensed: bool) -> Image {
        Image {
            number: 3,
            style,
            created_at: at("2026-01-15T10:00:00Z"),
            licensed,
        }
    }

    #[test]
    fn generate_costs_per_image_and_numbers_from_the_wallet_counter() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-01-16T00:00:00Z");
        let change = generate(
            "alice",
            &lots(),
            &[],
            Style::Artist("monet".into()),
            3,
            7,
            &pricing,
            now,
        )
        .expect("gen");
        assert_eq!(change.net(Asset::Credits), Some(-3));
        assert!(change.effects.contains(&Effect::CreateImages {
            first_number: 7,
            count: 3,
            style: Style::Artist("monet".into())
        }));
        let refused = generate("alice", &lots(), &[], Style::Base, 11, 7, &pricing, now);
        assert!(
            matches!(&refused, Err(e) if e.to_string().contains("needs 11 credits") && e.to_string().contains("has 10 credits") && e.to_string().contains("wallet buy alice credits-500"))
        );
        let refused = generate(
            "alice",
            &lots(),
            &[],
            Style::Private("mine".into()),
            1,
            7,
            &pricing,
            now,
        );
        assert!(matches!(refused, Err(Refusal::Style(_))));
        assert!(
            generate(
                "alice",
                &lots(),
                &["mine".into()],
                Style::Private("mine".into()),
                1,
                7,
                &pricing,
                now
            )
            .is_ok()
        );
    }

    #[test]
    fn the_license_gate_on_edits() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-01-16T00:00:00Z");
        for op in [EditOp::Upscale, EditOp::RemoveBackground, EditOp::Vectorize] {
            for style in [Style::Private("p".into()), Style::Artist("a".into())] {
                assert!(matches!(
                    edit("alice", &lots(), &image(style.clone(), false), op, &pricing, now),
                    Err(Refusal::Image(_))
                ));
                assert!(edit("alice", &lots(), &image(style, true), op, &pricing, now).is_ok());
            }
            for style in [Style::Base, Style::Agentic] {
                assert!(edit("alice", &lots(), &image(style, false), op, &pricing, now).is_ok());
            }
        }
        let change = edit(
            "alice",
            &lots(),
            &image(Style::Artist("a".into()), false),
            EditOp::Instruct,
            &pricing,
            now,
        )
        .expect("instruct");
        assert_eq!(change.net(Asset::Credits), Some(-2));
    }

    #[test]
    fn first_style_free_then_full_price() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-01-16T00:00:00Z");
        let change = train("alice", &lots(), &[], "mine", &pricing, now).expect("free");
        assert_eq!(change.net(Asset::Credits), Some(0));
        let refused = train("alice", &lots(), &["mine".into()], "other", &pricing, now);
        assert!(
            matches!(&refused, Err(e) if e.to_string().contains("needs 300 credits to train a style but has 10 credits"))
        );
        assert!(matches!(
            train("alice", &lots(), &["mine".into()], "mine", &pricing, now),
            Err(Refusal::Style(_))
        ));
    }

    #[test]
    fn license_only_images_that_need_one_and_only_once() {
        let pricing = Pricing::builtin().expect("the built-in pricing is valid");
        let now = at("2026-01-16T00:00:00Z");
        let change = license(
            "alice",
            &lots(),
            &image(Style::Artist("a".into()), false),
            &pricing,
            now,
        )
        .expect("license");
        assert_eq!(change.net(Asset::Licenses), Some(-1));
        assert!(matches!(
            license("alice", &lots(), &image(Style::Artist("a".into()), true), &pricing, now),
            Err(Refusal::Image(_))
        ));
        assert!(matches!(
            license("alice", &lots(), &image(Style::Base, false), &pricing, now),
            Err(Refusal::Image(_))
        ));
        assert!(matches!(
            license("alice", &lots(), &image(Style::Agentic, false), &pricing, now),
            Err(Refusal::Image(_))
        ));
        let no_licenses = &lots()[..1];
        let refused = license(
            "alice",
            no_licenses,
            &image(Style::Private("p".into()), false),
            &pricing,
            now,
        );
        assert!(
            matches!(&refused, Err(e) if e.to_string().contains("needs 1 license") && e.to_string().contains("wallet buy alice license"))
        );
    }

    #[test]
    fn rights_follow_spec_section_7() {
        let unlicensed = rights(&Style::Artist("a".into()), false);
        assert!(unlicensed.watermark && !unlicensed.svg_export && unlicensed.commercial_use == CommercialUse::None);
        let licensed = rights(&Style::Artist("a".into()), true);
        assert!(
            !licensed.watermark
                && licensed.svg_export
                && licensed.max_download == MaxDownload::EightK
                && licensed.commercial_use == CommercialUse::Full
        );
        assert_eq!(rights(&Style::Agentic, false).commercial_use, CommercialUse::Free);
        assert_eq!(
            rights(&Style::Base, false).commercial_use,
            CommercialUse::ModelProviderTerms
        );
        assert!(!rights(&Style::Base, false).requires_license);
    }
}
