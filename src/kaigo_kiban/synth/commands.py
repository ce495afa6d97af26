"""``kaigo-kiban synth``: write a synthetic municipality's card files (invented people only)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kaigo_kiban.cards.formats import CARD_LAYOUTS, CARE_LEVELS, COPAY_RATIOS, COST_CAP_STAGES
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.core.ids import is_insurer_no
from kaigo_kiban.synth.generator import SynthManifest, generate_municipality, manifest_path

app = typer.Typer(help="合成データ (架空の被保険者のみ) の生成")


@app.command("synth")
def synth(
    insurer: str = typer.Option(..., "--insurer", help="保険者番号 (6桁)"),
    people: int = typer.Option(1000, "--people", help="被保険者数"),
    seed: int = typer.Option(1, "--seed", help="乱数シード (同じ値なら同じファイル)"),
    out: Path = typer.Option(..., "--out", help="出力先ディレクトリ"),
) -> None:
    """架空の市町村の被保険者証・負担割合証・負担限度額認定証・減免減額認定証ファイルを作成します。"""
    console = Console()
    if not is_insurer_no(insurer):
        console.print(
            f"[red]エラー:[/red] 保険者番号が正しくありません: {insurer!r} "
            "(6桁の数字、先頭2桁は都道府県番号 01〜47)"
        )
        raise typer.Exit(code=2)
    with Progress(
        TextColumn("合成データを生成中"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("synth", total=people)
        try:
            manifest = generate_municipality(
                insurer, people, seed, out, progress=lambda n: bar.update(task, completed=n)
            )
        except InvalidInput as exc:
            console.print(f"[red]エラー:[/red] {exc.message}")
            raise typer.Exit(code=2) from exc
    _summary(console, manifest, out)
    console.print(f"内訳 (manifest): {manifest_path(out)}")
    console.print("次に、保険者を登録してからファイルを取り込みます:")
    console.print(
        f"  kaigo-kiban registry add-insurer {manifest.insurer_no} {manifest.insurer_name}",
        markup=False,
        soft_wrap=True,
    )
    console.print(f"  kaigo-kiban ingest {out}/*.csv", markup=False, soft_wrap=True)


def _summary(console: Console, m: SynthManifest, out: Path) -> None:
    labels = {layout.kind: layout.label for layout in CARD_LAYOUTS}
    console.print(
        f"[bold]{m.prefecture_name}{m.insurer_name}[/bold] (保険者番号 {m.insurer_no}, "
        f"シード {m.seed}, 基準日 {m.base_date}) の合成データを {out} に出力しました。"
    )
    files = Table("ファイル", "種別", "行数", title="出力ファイル")
    for f in m.files:
        files.add_row(f.name, labels.get(f.kind, f.kind), f"{f.rows:,}")
    console.print(files)
    certified = m.people - m.care_levels.get("none", 0)
    console.print(
        f"被保険者 {m.people:,} 人 (うち第2号被保険者 {m.second_insured:,} 人)、"
        f"要介護・要支援認定 {certified:,} 人、認定履歴あり {m.with_history:,} 人、"
        f"資格喪失 {m.disqualified:,} 人"
    )
    levels = "、".join(
        f"{CARE_LEVELS[code]} {n:,}" for code, n in m.care_levels.items() if code != "none"
    )
    console.print(f"要介護状態区分: {levels or 'なし'}")
    ratios = "、".join(f"{COPAY_RATIOS[code]} {n:,}" for code, n in m.copay_ratios.items())
    console.print(f"負担割合: {ratios or 'なし'}")
    stages = "、".join(f"{COST_CAP_STAGES[code]} {n:,}" for code, n in m.cost_cap_stages.items())
    console.print(f"負担限度額: {stages or 'なし'}")
    console.print(
        f"類似者グループ (生年月日・性別・住所が同じで氏名の漢字かカナが1字違い) {len(m.near_twins):,} 組、"
        f"CP932 外の文字を含む氏名 {len(m.non_cp932_names):,} 人、"
        f"JIS X 0213 外の文字を含む氏名 {len(m.outside_jis_x0213_names):,} 人"
    )
    console.print(f"居宅介護支援事業所番号: {', '.join(m.care_mgmt_offices)}")
    console.print("詳細は内訳 (manifest) を参照してください。")
