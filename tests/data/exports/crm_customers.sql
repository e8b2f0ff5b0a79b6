-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: 10.20.3.41    Database: crm
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;

--
-- Table structure for table `customers`
--

DROP TABLE IF EXISTS `customers`;
CREATE TABLE `customers` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `cust_name` varchar(32) NOT NULL COMMENT '客户',
  `mobile` varchar(20) DEFAULT NULL,
  `id_no` char(18) DEFAULT NULL,
  `remark` text,
  `created_at` datetime DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_mobile` (`mobile`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;

--
-- Dumping data for table `customers`
--

LOCK TABLES `customers` WRITE;
/*!40000 ALTER TABLE `customers` DISABLE KEYS */;
INSERT INTO `customers` VALUES (1,'周慧敏','13912345678','310112198506124319','VIP, 周末到店','2024-03-02 10:11:12'),(2,'欧阳娜娜','15800001111',NULL,'说\'明天再打\'; 勿扰','2024-03-05 09:00:00'),(3,'王建国','13700002222','43012119920304562X','','2024-03-06 17:45:03');
/*!40000 ALTER TABLE `customers` ENABLE KEYS */;
UNLOCK TABLES;

INSERT INTO orders (order_no, receiver, receiver_phone, ship_to) VALUES
  ('202403051201331234', '陈晓', '13612345678', '长沙县星沙街道开元东路88号'),
  ('202403051201335678', 'O''Neil 刘芳', '13512345678', '上海市长宁区仙霞路88号1203室');

--
-- PostgreSQL data (pg_dump, COPY format)
--

COPY public.members (id, full_name, phone, email) FROM stdin;
1	赵丽颖	13811112222	zhaoly@example.com
2	\N	13822223333	\N
\.

SELECT pg_catalog.setval('public.members_id_seq', 2, true);
