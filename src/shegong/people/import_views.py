"""Importing ledgers (台账) on the web: upload, map the columns, check, import.

Every batch is fetched from the user's jurisdiction for PERSON_IMPORT (404 and an audit row
otherwise). Small files are checked and imported in the request; large ones by the worker,
while the batch page polls its `state` partial every second for the progress bar.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core import audit
from shegong.core.excel import UnreadableFile, column_letter, write_xlsx
from shegong.core.forms import attach_errors
from shegong.core.perms import PERSON_IMPORT
from shegong.core.views import render_page, requires
from shegong.regions.models import Station

from . import importer, tasks
from .models import ImportBatch, ImportStatus

PROBLEMS_PER_PAGE = 100


# --- reads ---------------------------------------------------------------------------------------
def stations_for(user: Any) -> list[Station]:
    """Stations the user may import for: where they work with PERSON_IMPORT, else (an account
    with a division role granting it) the active stations in that jurisdiction."""
    own = [s for s in user.stations(PERSON_IMPORT) if s.active]
    if own:
        return own
    return list(
        Station.objects.visible_to(user, PERSON_IMPORT).filter(active=True).order_by("code")[:500]
    )


def get_batch_for(user: Any, pk: int) -> ImportBatch:
    batch = (
        ImportBatch.objects.visible_to(user, PERSON_IMPORT)
        .filter(pk=pk)
        .select_related("station__region", "created_by")
        .first()
    )
    if batch is None:
        raise audit.not_found(user, what="people.importbatch", key=pk)
    return batch


# --- forms ---------------------------------------------------------------------------------------
class UploadForm(forms.Form):
    station = forms.ChoiceField(label=gettext_lazy("Station"))
    file = forms.FileField(
        label=gettext_lazy("Ledger file"),
        help_text=gettext_lazy(".xlsx, .xls, .ods or .csv; the header row may sit below a title."),
    )

    def __init__(self, *args: Any, stations: list[Station], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stations = {s.code: s for s in stations}
        field = self.fields["station"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.code, s.name) for s in stations]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xlsm,.xls,.ods,.csv,.tsv"


class MappingForm(forms.Form):
    """One select per importer field: which of the file's columns holds it."""

    remember_as = forms.CharField(
        label=gettext_lazy("Remember this mapping as"),
        max_length=50,
        required=False,
        initial=tasks.DEFAULT_MAPPING,
        help_text=gettext_lazy("The next file with these headers is mapped the same way."),
    )

    def __init__(self, *args: Any, headers: list[str], first_column: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— not in the file —"))] + [
            (str(i), f"{column_letter(first_column + i)} · {h or _('(no header)')}")
            for i, h in enumerate(headers)
        ]
        fields: dict[str, forms.Field] = {}
        for f in importer.FIELDS:
            fields[f.key] = forms.ChoiceField(label=str(f.label), choices=choices, required=False)
        self.fields = {**fields, "remember_as": self.fields["remember_as"]}

    def mapping(self) -> dict[str, int]:
        return {
            f.key: int(self.cleaned_data[f.key])
            for f in importer.FIELDS
            if self.cleaned_data[f.key]
        }

    def field_rows(self) -> list[tuple[importer.ImportField, forms.BoundField]]:
        return [(f, self[f.key]) for f in importer.FIELDS]


def _mapping_form(batch: ImportBatch, data: Any = None) -> tuple[MappingForm | None, str, Any]:
    """The mapping form for a batch whose file is still stored (None otherwise), the error that
    kept the file from being read, and the remembered mapping preselected."""
    if not batch.file or batch.status == ImportStatus.COMMITTED:
        return None, "", None
    try:
        table = tasks.read_batch(batch, max_rows=0)
    except UnreadableFile as e:
        return None, str(e), None
    current = tasks.batch_mapping(batch, table.headers)
    saved = None
    if not batch.mapping:
        current, saved = tasks.initial_mapping(batch.station, table.headers)
    initial: dict[str, Any] = {key: str(i) for key, i in current.items()}
    initial["remember_as"] = saved.name if saved else tasks.DEFAULT_MAPPING
    form = MappingForm(
        data, headers=table.headers, first_column=table.first_column, initial=initial
    )
    return form, "", saved


# --- views ---------------------------------------------------------------------------------------
@requires(PERSON_IMPORT)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    stations = stations_for(request.user)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        stations=stations,
        initial={"station": request.GET.get("station") or (stations[0].code if stations else "")},
    )
    if request.method == "POST" and form.is_valid():
        station = form.stations[form.cleaned_data["station"]]
        upload_file = form.cleaned_data["file"]
        try:
            batch = tasks.create_batch(
                actor=request.user, station=station, upload=upload_file, filename=upload_file.name
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect("people_import:batch", pk=batch.pk)
    batches = (
        ImportBatch.objects.visible_to(request.user, PERSON_IMPORT)
        .select_related("station", "created_by")
        .defer("problems", "mapping")
        .order_by("-created_at")[:20]
    )
    return render_page(
        request,
        "people/import/upload.html",
        {"form": form, "batches": batches, "stations": stations},
        status=422 if form.errors else 200,
    )


@requires(PERSON_IMPORT)
def template(request: HttpRequest) -> HttpResponse:
    """The template ledger: our headers, one invented example row, and instructions."""
    stations = stations_for(request.user)
    station = next((s for s in stations if s.code == request.GET.get("station")), None)
    station = station or (stations[0] if stations else None)
    content = template_workbook(station)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = "服务对象导入模板.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"people-import-template.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _context(request: HttpRequest, batch: ImportBatch, form: MappingForm | None = None) -> Any:
    unreadable = ""
    saved = None
    stuck = tasks.is_stuck(batch)
    # Reading the headers costs ~1 s for a 100,000-row file: not on every poll of a running job.
    if form is None and (batch.status not in tasks.RUNNING or stuck):
        form, unreadable, saved = _mapping_form(batch)
    progress = tasks.read_progress(batch) if batch.status in tasks.RUNNING else None
    page = Paginator(batch.problems or [], PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "batch": batch,
        "station": batch.station,
        "form": form,
        "remembered": saved,
        "unreadable": unreadable,
        "progress": progress,
        "percent": progress.percent if progress else 0,
        "running": batch.status in tasks.RUNNING,
        "stuck": stuck,
        "page": page,
        "problem_count": len(batch.problems or []),
        "problems_truncated": len(batch.problems or []) >= tasks.PROBLEMS_KEPT,
        "can_check": batch.status in tasks.STARTABLE_CHECK and bool(batch.file),
        "can_commit": batch.status in tasks.STARTABLE_COMMIT and bool(batch.file),
        "has_problems": batch.invalid_rows > 0,
        "to_import": max(0, batch.valid_rows - batch.skipped),
        "inline_rows": tasks.inline_rows(),
    }


@requires(PERSON_IMPORT)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for(request.user, pk)
    return render_page(
        request, "people/import/batch.html", _context(request, batch), partial="state"
    )


@requires(PERSON_IMPORT)
@require_POST
def batch_check(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for(request.user, pk)
    form, unreadable, _saved = _mapping_form(batch, request.POST)
    if form is None:
        messages.error(request, unreadable or _("This file can no longer be checked."))
        return redirect("people_import:batch", pk=batch.pk)
    if form.is_valid():
        try:
            tasks.save_mapping(
                actor=request.user,
                batch=batch,
                mapping=form.mapping(),
                headers=form.headers,
                name=form.cleaned_data["remember_as"],
            )
        except ValidationError as e:
            attach_errors(form, e)
    if form.errors:
        return render_page(
            request, "people/import/batch.html", _context(request, batch, form), status=422
        )
    if not tasks.start_check(actor=request.user, batch=batch):
        messages.warning(request, _("This file is being checked or imported already."))
    return redirect("people_import:batch", pk=batch.pk)


@requires(PERSON_IMPORT)
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for(request.user, pk)
    valid_only = request.POST.get("valid_only") == "1"
    if not tasks.start_commit(actor=request.user, batch=batch, valid_only=valid_only):
        messages.warning(request, _("Check the file first; it may be running or imported already."))
    return redirect("people_import:batch", pk=batch.pk)


@requires(PERSON_IMPORT)
def batch_problems(request: HttpRequest, pk: int) -> HttpResponse:
    """The problems of a checked file as a spreadsheet, to fix the ledger row by row."""
    batch = get_batch_for(request.user, pk)
    out = io.BytesIO()
    now = timezone.localtime()
    write_xlsx(
        out,
        sheet_title=_("Problems"),
        headers=[_("Row"), _("Column"), _("Problem")],
        rows=([p["row"] or "", p["column"], p["message"]] for p in batch.problems or []),
        note=_("%(file)s — checked %(when)s; exported by %(user)s")
        % {
            "file": batch.filename,
            "when": f"{timezone.localtime(batch.finished_at or now):%Y-%m-%d %H:%M}",
            "user": request.user.get_username(),
        },
    )
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-problems.xlsx"'
    return response


# --- the template --------------------------------------------------------------------------------
# The template is a Chinese artefact: its headers are the words the importer reads, so its
# instructions are written in Chinese too (like the headers, they are data, not interface).
FIELD_NOTES: dict[str, str] = {
    "name": "必填。服务对象的姓名。",
    "id_number": (
        "18位公民身份号码（15位一代证会自动转换）。末位X大小写均可，空格和全角数字会自动处理。"
        "请保持本列为“文本”格式，否则Excel会把号码后几位变成0。有身份号码时，性别和出生日期以号码为准。"
    ),
    "gender": "男 或 女（也可写 男性、女性）。有身份号码时可不填，没有身份号码时必填。",
    "birth_date": "见下方“日期写法”。有身份号码时可不填，没有身份号码时必填。",
    "ethnicity": "如：汉族、回族、满族。",
    "phone": "11位手机号，或带区号的固定电话，如 022-26391234。",
    "region": (
        "居住的村（社区），写名称（如“朝阳里社区”，或全称“朝阳里社区居委会”）或12位统计用区划代码。"
        "只能填写本站服务范围内的村（社区）；只服务一个街道（乡镇）的站可不填。"
    ),
    "residence_address": "现居住地址。",
    "hukou_address": "户籍地址。",
    "living_situation": "写下列之一：{words}。",
    "categories": "可填多个，用顿号、逗号或空格分隔，如“低保、独居老人”。可用的词见下方“类别”。",
    "note": "其他需要记录的情况。",
}
DATE_FORMATS = (
    "1949-12-31、1949/12/31、1949.12.31、1949年12月31日、19491231，或Excel的日期格式单元格"
)


def _example_community(station: Station | None) -> tuple[str, str]:
    """A community the station serves, as people write it (朝阳里社区), and its code."""
    from shegong.regions.models import Level, Region

    if station is not None:
        areas = list(station.current_service_areas()) or [station.region]
        parents = [a.code for a in areas if a.level == Level.TOWNSHIP]
        village = (
            Region.objects.filter(level=Level.VILLAGE, parent_id__in=parents)
            .order_by("code")
            .first()
        )
        if village is not None:
            return village.name.removesuffix("居民委员会").removesuffix("居委会"), village.code_str
    return "朝阳里社区", "120113001009"


def template_workbook(station: Station | None) -> bytes:
    """The import template (.xlsx): our headers, one invented example row (a checksum-valid
    but invented ID number), and a sheet "填写说明" explaining every column."""
    import xlsxwriter

    from shegong.core.idnumber import make

    from .categories import ALIASES
    from .models import Category

    prefix = f"{station.region_id:012d}"[:6] if station else "120113"
    community, _code = _example_community(station)
    example = {
        "name": "王秀兰",
        "id_number": make(prefix, dt.date(1945, 3, 8), 12, "F"),
        "gender": "女",
        "birth_date": "1945-03-08",
        "ethnicity": "汉族",
        "phone": "13900001234",
        "region": community,
        "residence_address": f"{community}3号楼2门501",
        "hukou_address": f"{community}3号楼2门501",
        "living_situation": "独居",
        "categories": "低保、独居老人",
        "note": "示例行（虚构），导入前请删除",
    }
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    heading = book.add_format({"bold": True, "font_size": 12})

    sheet = book.add_worksheet("服务对象")
    for col, f in enumerate(importer.FIELDS):
        header = f.aliases[0]
        width = 22 if f.key in ("id_number", "residence_address", "hukou_address") else 14
        # Text columns: Excel keeps an 18-digit number as typed only in a text cell.
        keep_text = f.key in ("id_number", "phone", "birth_date")
        sheet.set_column(col, col, width, text if keep_text else None)
        sheet.write_string(0, col, header, required if f.required else bold)
        sheet.write_string(1, col, example[f.key], text if keep_text else None)
    sheet.freeze_panes(1, 0)

    notes = book.add_worksheet("填写说明")
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 70, wrap)
    notes.set_column(3, 3, 40, wrap)
    notes.write_row(0, 0, ["列名", "必填", "怎么填", "表头也可写作"], bold)
    living = "、".join(w for w in importer.LIVING_WORDS if not w.isascii())
    row = 1
    for f in importer.FIELDS:
        note = FIELD_NOTES.get(f.key, "").format(words=living)
        notes.write_row(row, 0, [f.aliases[0], "是" if f.required else "", note])
        notes.write_string(row, 3, "、".join(f.aliases[1:]))
        row += 1
    row += 1
    notes.write_string(row, 0, "日期写法", heading)
    notes.write_string(row, 2, DATE_FORMATS)
    row += 2
    notes.write_string(row, 0, "类别", heading)
    notes.write_string(row, 2, "类别名称（全称）及可用的简称：", wrap)
    row += 1
    for category in Category.objects.filter(active=True, derived=False, region__isnull=True):
        words = [w for w in ALIASES.get(category.code, []) if w != category.name]
        notes.write_string(row, 0, category.name)
        notes.write_string(row, 2, "、".join(words) or "—")
        row += 1
    row += 1
    notes.write_string(row, 0, "其他", heading)
    tips = [
        "表头可以在标题行下面；表头顺序、多余的列都不影响导入，上传后可以对应各列。",
        "导入前会逐行检查：身份号码校验码、出生日期、村（社区）是否在本站服务范围内、文件内重复、"
        "与系统内已登记人员重复。有问题的行会列出行号、列名和原因，可以改好后重新上传，或只导入没有问题的行。",
        "已经登记过的人员（身份号码相同）会跳过，同一个文件导入两次不会重复登记。",
        "“高龄老人”（80周岁及以上）按出生日期自动计算，不必填写。",
    ]
    for tip in tips:
        notes.write_string(row, 2, tip, wrap)
        row += 1
    book.close()
    return out.getvalue()
