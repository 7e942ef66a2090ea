"""The board as a file: the same query parameters and the same rows as the page, as .xlsx or CSV."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery

from app import access, clock
from app.bounds import OptionalYear
from app.downloads import CSV, XLSX, download
from app.text import fold
from board import export_write
from board.build import Board, build_board
from board.params import board_filter, board_sort, final
from board.queries import Filter, field_names


async def provide_board(request: Request, year: OptionalYear = None, as_of: FromQuery[str | None] = None,
                        block: FromQuery[str] = "", field: FromQuery[str] = "", component: FromQuery[str] = "",
                        sort: FromQuery[str] = "rank") -> Board:
    """Access first, then the board the page would show for the page's own parameters (bad values: 400)."""
    access.require_board_reader(request)
    flt = await final(board_filter(year, as_of, block, field, component, clock.today()))
    return await build_board(flt, board_sort(sort))


async def shown_field_name(flt: Filter) -> str:
    """The page sends a field as its folded key ("cai cach the che"); the file names it as the plans spell it."""
    if not flt.field:
        return ""
    names = (await field_names(flt.year)).get(fold(flt.field))
    return names[0] if names else flt.field


@get("/board/export.xlsx", dependencies={"board": Provide(provide_board)})
async def board_export_xlsx(board: NamedDependency[Board]) -> Response:
    body = export_write.write_xlsx(board, await shown_field_name(board.filter))
    return download(body, XLSX, export_write.file_name(board, "xlsx"))


@get("/board/export.csv", dependencies={"board": Provide(provide_board)})
async def board_export_csv(board: NamedDependency[Board]) -> Response:
    body = export_write.write_csv(board, await shown_field_name(board.filter))
    return download(body, CSV, export_write.file_name(board, "csv"))


ROUTES = [board_export_xlsx, board_export_csv]
