from domain.rating import Rating
from projections.satisfaction import RATINGS, satisfaction_rows
from tests.builders import a_course, day, deliver, enrolled, history, stamp


def test_a_rating_is_one_row_without_its_comment():
    course = enrolled(a_course(), "s1")
    deliver(course, day(1), present=["s1"])
    rating = Rating.give(
        course=history(course),
        student_id="s1",
        week=day(1),
        course_score=4,
        teacher_score=2,
        commented=True,
        stamp=stamp(day(2)),
    )
    [given] = rating.collect_events()
    [change] = satisfaction_rows(given, 7)
    assert change.table is RATINGS
    assert change.row["rating_id"] == rating.id
    assert (change.row["course_score"], change.row["teacher_score"]) == (4, 2)
    assert change.row["teacher_id"] == course.teacher_id
    assert change.row["commented"] is True and "comment" not in change.row
