from django.urls import path

from . import views

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/fulfill/", views.OrderFulfillView.as_view(), name="order-fulfill"),
    path("orders/<int:pk>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<int:pk>/invoice/", views.OrderCreateInvoiceView.as_view(),
         name="order-create-invoice"),
    path("orders/<int:pk>/pdf/", views.OrderPdfView.as_view(), name="order-pdf"),
    path("orders/<int:pk>/lines/", views.OrderLineAddView.as_view(), name="order-line-add"),
    path("orders/<int:pk>/lines/<int:line_pk>/delete/", views.OrderLineDeleteView.as_view(),
         name="order-line-delete"),
    path("quotes/<int:pk>/create-order/", views.QuoteCreateOrderView.as_view(),
         name="quote-create-order"),
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/aging/", views.ARAgingView.as_view(), name="ar-aging"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/issue/", views.InvoiceIssueView.as_view(), name="invoice-issue"),
    path("invoices/<int:pk>/cancel/", views.InvoiceCancelView.as_view(), name="invoice-cancel"),
    path("invoices/<int:pk>/payments/", views.InvoicePaymentView.as_view(),
         name="invoice-payment"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
]
