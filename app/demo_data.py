"""The demo province's data. Sở Tư pháp's 2024 plan is the real-shaped plan the importer is tested on:
7 fields and 28 tasks; the project carries it so the demo runs anywhere."""

STP_DOC = ("15/KH-STP", "2024-01-18")

# (field name, [(number, content, lead, partners, deadline as written, output)])
STP_2024 = [
    ('CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH', [
        ('1', 'Xây dựng, ban hành Kế hoạch CCHC năm 2024 của Sở Tư pháp', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Tháng 01/2024', 'Kế hoạch'),
        ('2', 'Ban hành Kế hoạch tuyên truyền CCHC năm 2024', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Tháng 01/2024', 'Kế hoạch'),
        ('3', 'Xây dựng báo cáo CCHC năm 2024 gửi Sở Nội vụ', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Trước ngày 15/12/2024', 'Báo cáo'),
        ('4', 'Kiểm tra công tác CCHC tại các phòng, đơn vị thuộc Sở', 'Thanh tra Sở', 'Văn phòng Sở', 'Quý III/2024', 'Báo cáo kết quả kiểm tra'),
        ('5', 'Tự đánh giá, chấm điểm Chỉ số CCHC năm 2024 của Sở kèm tài liệu kiểm chứng', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Tháng 12/2024', 'Báo cáo tự đánh giá'),
        ('6', 'Khảo sát sự hài lòng của tổ chức, cá nhân đối với sự phục vụ của Sở', 'Văn phòng Sở', 'Trung tâm Trợ giúp pháp lý', 'Quý 3', 'Báo cáo kết quả khảo sát'),
    ]),
    ('CẢI CÁCH THỂ CHẾ', [
        ('1', 'Tham mưu xây dựng văn bản quy phạm pháp luật theo Chương trình ban hành văn bản năm 2024 của UBND tỉnh', 'Phòng Xây dựng và Kiểm tra văn bản', 'Các sở, ban, ngành', 'Thường xuyên', 'Dự thảo văn bản QPPL'),
        ('2', 'Thẩm định dự thảo văn bản quy phạm pháp luật do các sở, ngành gửi đến', 'Phòng Xây dựng và Kiểm tra văn bản', '', 'Thường xuyên', 'Báo cáo thẩm định'),
        ('3', 'Rà soát, hệ thống hóa văn bản quy phạm pháp luật kỳ 2019 - 2023', 'Phòng Xây dựng và Kiểm tra văn bản', 'Các sở, ban, ngành', 'Trước 30/6/2024', 'Báo cáo kết quả rà soát'),
        ('4', 'Theo dõi tình hình thi hành pháp luật năm 2024', 'Phòng Phổ biến, giáo dục pháp luật', 'Các sở, ban, ngành', 'Tháng 11/2024', 'Báo cáo'),
    ]),
    ('CẢI CÁCH THỦ TỤC HÀNH CHÍNH', [
        ('1', 'Ban hành Kế hoạch kiểm soát thủ tục hành chính năm 2024', 'Văn phòng Sở', '', 'Tháng 01/2024', 'Kế hoạch'),
        ('2', 'Rà soát, đánh giá thủ tục hành chính thuộc thẩm quyền giải quyết của Sở', 'Các phòng chuyên môn', 'Văn phòng Sở', '6 tháng đầu năm', 'Báo cáo rà soát, phương án đơn giản hóa'),
        ('3', 'Niêm yết công khai TTHC tại Trung tâm Phục vụ hành chính công tỉnh và trên Trang thông tin điện tử của Sở', 'Văn phòng Sở', 'Trung tâm Phục vụ hành chính công tỉnh', 'Thường xuyên', 'TTHC được niêm yết'),
        ('4', 'Giải quyết hồ sơ TTHC đúng hạn; thực hiện xin lỗi tổ chức, cá nhân khi hồ sơ trễ hạn', 'Các phòng chuyên môn', 'Trung tâm Phục vụ hành chính công tỉnh', 'Cả năm', 'Báo cáo tình hình giải quyết hồ sơ'),
        ('5', 'Cập nhật, công bố danh mục TTHC mới ban hành, sửa đổi, bổ sung', 'Văn phòng Sở', 'Các phòng chuyên môn', 'Trước ngày 15/12/2024', 'Quyết định công bố'),
    ]),
    ('CẢI CÁCH TỔ CHỨC BỘ MÁY HÀNH CHÍNH NHÀ NƯỚC', [
        ('1', 'Rà soát chức năng, nhiệm vụ, cơ cấu tổ chức của các phòng, đơn vị thuộc Sở', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Quý II/2024', 'Báo cáo rà soát'),
        ('2', 'Xây dựng, điều chỉnh Đề án vị trí việc làm của Sở', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Quý III/2024', 'Đề án'),
        ('3', 'Thực hiện tinh giản biên chế theo kế hoạch', 'Văn phòng Sở', '', 'Năm 2024', 'Quyết định'),
    ]),
    ('CẢI CÁCH CHẾ ĐỘ CÔNG VỤ', [
        ('1', 'Đánh giá, xếp loại chất lượng công chức, viên chức năm 2024', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Tháng 12/2024', 'Quyết định xếp loại'),
        ('2', 'Cử công chức, viên chức tham gia đào tạo, bồi dưỡng', 'Văn phòng Sở', '', 'Thường xuyên', 'Quyết định cử đi học'),
        ('3', 'Kiểm tra việc chấp hành kỷ luật, kỷ cương hành chính', 'Thanh tra Sở', 'Văn phòng Sở', 'Quý IV/2024', 'Báo cáo kết quả kiểm tra'),
    ]),
    ('CẢI CÁCH TÀI CHÍNH CÔNG', [
        ('1', 'Xây dựng, ban hành Quy chế chi tiêu nội bộ năm 2024', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Quý I/2024', 'Quy chế'),
        ('2', 'Công khai dự toán, quyết toán ngân sách theo quy định', 'Văn phòng Sở', '', 'Quý I/2024', 'Văn bản công khai'),
        ('3', 'Thực hiện cơ chế tự chủ tài chính tại các đơn vị sự nghiệp trực thuộc', 'Trung tâm Trợ giúp pháp lý', 'Phòng Công chứng số 1', 'Năm 2024', 'Báo cáo'),
    ]),
    ('XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ', [
        ('1', 'Duy trì, cập nhật Trang thông tin điện tử của Sở', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Thường xuyên', 'Trang TTĐT được cập nhật'),
        ('2', 'Ký số 100% văn bản đi (trừ văn bản mật) trên Hệ thống quản lý văn bản và điều hành', 'Văn phòng Sở', 'Các phòng, đơn vị thuộc Sở', 'Cả năm', 'Văn bản điện tử'),
        ('3', 'Cung cấp dịch vụ công trực tuyến toàn trình đối với các TTHC đủ điều kiện', 'Các phòng chuyên môn', 'Sở Thông tin và Truyền thông', 'Quý IV', 'Danh mục DVC trực tuyến'),
        ('4', 'Bảo đảm an toàn thông tin theo cấp độ cho các hệ thống thông tin của Sở', 'Văn phòng Sở', 'Sở Thông tin và Truyền thông', 'Tháng 10/2024', 'Hồ sơ đề xuất cấp độ'),
    ]),
]

# Sở Tư pháp's own offices, named in its plan: another unit's plan names its own instead.
STP_OFFICES = ("Phòng Xây dựng và Kiểm tra văn bản", "Phòng Phổ biến, giáo dục pháp luật",
               "Trung tâm Trợ giúp pháp lý", "Phòng Công chứng số 1")
# Who does the work in another department, by the office named in Sở Tư pháp's plan.
DEPARTMENT_OFFICES = {
    "Phòng Xây dựng và Kiểm tra văn bản": "Các phòng chuyên môn",
    "Phòng Phổ biến, giáo dục pháp luật": "Các phòng chuyên môn",
    "Trung tâm Trợ giúp pháp lý": "Các đơn vị sự nghiệp trực thuộc",
    "Phòng Công chứng số 1": "Văn phòng Sở",
}
# A commune or ward has no department's offices: its people's committee's office and sections do the work.
COMMUNE_OFFICES = {
    "Văn phòng Sở": "Văn phòng HĐND và UBND",
    "Thanh tra Sở": "Văn phòng HĐND và UBND",
    "Phòng Xây dựng và Kiểm tra văn bản": "Văn phòng HĐND và UBND",
    "Phòng Phổ biến, giáo dục pháp luật": "Phòng Văn hóa - Xã hội",
    "Trung tâm Trợ giúp pháp lý": "Phòng Kinh tế",
    "Phòng Công chứng số 1": "Văn phòng HĐND và UBND",
    "Các phòng, đơn vị thuộc Sở": "Các phòng, đơn vị thuộc UBND",
    "Trung tâm Phục vụ hành chính công tỉnh": "Trung tâm Phục vụ hành chính công",
}
