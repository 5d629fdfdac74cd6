"""Writes tests/core/files/ledger.xls (BIFF8) with xlwt; run with a Python that has xlwt."""

import datetime as dt
import sys

import xlwt

wb = xlwt.Workbook(encoding="utf-8")
ws = wb.add_sheet("台账")
ws.write_merge(0, 0, 0, 4, "东华门街道 困难群众台账")
# row 2 left blank
for col, name in enumerate(["序号", "姓名", "身份证号", "出生日期", "电话"]):
    ws.write(2, col, name)
date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
ws.write(3, 0, 1)
ws.write(3, 1, "张三")
ws.write(3, 2, "11010519491231002x")
ws.write(3, 3, dt.date(1949, 12, 31), date_style)
ws.write(3, 4, 13800138000)
ws.write(4, 0, 2)
ws.write(4, 1, " 李四 ")
ws.write(4, 2, 110105194912310021)
ws.write(4, 3, "1950.1.5")
ws.write(4, 4, "010-12345678")
ws.write(5, 0, "")
ws.write(6, 1, "", xlwt.easyxf("font: bold on"))
wb.save(sys.argv[1])
